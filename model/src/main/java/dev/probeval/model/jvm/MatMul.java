package dev.probeval.model.jvm;

/**
 * The engine's one heavy operation: {@code y[r][o] (+)= Σ_i x[r][i] · w[i][o]} for a block of rows, with the weight
 * stored transposed ({@code [in][out]}, row-major) so that consecutive outputs read consecutive weights.
 *
 * <p>Every output is one fused multiply-add chain over i in increasing order, started from 0 and added to {@code y}
 * at the end when accumulating. Both implementations keep exactly that order per element, so their results are
 * bit-identical: the vector form ({@code jdk.incubator.vector}, when the JVM was started with {@code --add-modules
 * jdk.incubator.vector}) only computes several independent chains at once. Samples therefore do not depend on
 * whether the module is present, only the speed does.
 */
abstract class MatMul {
    /** System property that forces the scalar form ({@code false}) even where the vector module is present. */
    static final String VECTOR_PROPERTY = "probeval.jvm.vector";

    private static final MatMul BEST = select();

    /** The fastest form this JVM offers. */
    static MatMul best() {
        return BEST;
    }

    /** The scalar form, for tests that compare both. */
    static MatMul scalar() {
        return new Scalar();
    }

    /** Whether {@link #best()} is the vector form. */
    static boolean vectorized() {
        return !(BEST instanceof Scalar);
    }

    /**
     * For {@code rows} rows: {@code y[yOff + r·out + o] = (accumulate ? y[..] : 0) + Σ_i x[xOff + r·in + i] ·
     * wt[i·out + o]}.
     */
    final void apply(
            float[] x, int xOff, int rows, int in, float[] wt, int out, float[] y, int yOff, boolean accumulate) {
        apply(x, xOff, rows, in, wt, 0, out, out, y, yOff, accumulate);
    }

    /**
     * {@link #apply(float[], int, int, int, float[], int, float[], int, boolean)} with the weight's row i starting
     * at {@code wOff + i·wStride}: attention uses it on a row's cached keys and values in place.
     */
    abstract void apply(
            float[] x,
            int xOff,
            int rows,
            int in,
            float[] w,
            int wOff,
            int wStride,
            int out,
            float[] y,
            int yOff,
            boolean accumulate);

    private static MatMul select() {
        if ("false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new Scalar();
        }
        try {
            return (MatMul) Class.forName("dev.probeval.model.jvm.VectorMatMul")
                    .getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Scalar();
        }
    }

    /** One chain per output, the outputs of a row advanced together over i so the weight rows are read in order. */
    static final class Scalar extends MatMul {
        @Override
        void apply(
                float[] x,
                int xOff,
                int rows,
                int in,
                float[] wt,
                int wOff,
                int wStride,
                int out,
                float[] y,
                int yOff,
                boolean accumulate) {
            float[] acc = new float[out];
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(acc, 0f);
                int xr = xOff + r * in;
                for (int i = 0; i < in; i++) {
                    float xv = x[xr + i];
                    int wi = wOff + i * wStride;
                    for (int o = 0; o < out; o++) {
                        acc[o] = Math.fma(xv, wt[wi + o], acc[o]);
                    }
                }
                int yr = yOff + r * out;
                for (int o = 0; o < out; o++) {
                    y[yr + o] = accumulate ? y[yr + o] + acc[o] : acc[o];
                }
            }
        }
    }
}
