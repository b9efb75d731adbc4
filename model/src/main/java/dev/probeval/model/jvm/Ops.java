package dev.probeval.model.jvm;

/**
 * The engine's small per-row operations, in float arithmetic with sequential sums (the order of llama2.c's run.c):
 * normalisations, activations, attention over a row's cache, transposition of weights at load time.
 */
final class Ops {
    private Ops() {}

    /** {@code w} as {@code [rows][cols]} row-major, returned transposed as {@code [cols][rows]}. */
    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    /** run.c's rmsnorm: {@code out = w ⊙ x / sqrt(mean(x²) + 1e-5)} over {@code n} values. */
    static void rmsnorm(float[] out, int o, float[] x, int xo, float[] w, int n) {
        float ss = 0f;
        for (int i = 0; i < n; i++) {
            ss += x[xo + i] * x[xo + i];
        }
        ss /= n;
        ss += 1e-5f;
        ss = (float) (1.0 / Math.sqrt(ss));
        for (int i = 0; i < n; i++) {
            out[o + i] = w[i] * (ss * x[xo + i]);
        }
    }

    /** LayerNorm with biased variance and ε = 1e-5 (as DJL's and PyTorch's): {@code γ ⊙ (x − μ)/√(σ² + ε) + β}. */
    static void layernorm(float[] out, int o, float[] x, int xo, float[] gamma, float[] beta, int n) {
        float mean = 0f;
        for (int i = 0; i < n; i++) {
            mean += x[xo + i];
        }
        mean /= n;
        float var = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[xo + i] - mean;
            var += d * d;
        }
        var /= n;
        float inv = (float) (1.0 / Math.sqrt(var + 1e-5f));
        for (int i = 0; i < n; i++) {
            out[o + i] = (x[xo + i] - mean) * inv * gamma[i] + beta[i];
        }
    }

    /**
     * Exact GELU, {@code x · Φ(x) = x/2 · (1 + erf(x/√2))} (Hendrycks and Gimpel 2016; PyTorch's default), with erf
     * from {@link #erf}.
     */
    static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + erf(x * 0.7071067811865476)));
    }

    /**
     * erf with an absolute error below 1.5e-7 (Abramowitz and Stegun 7.1.26), computed in double: one exponential
     * and a polynomial, a fraction of the cost of a series, and below the resolution of the float32 activations it
     * feeds.
     */
    static double erf(double z) {
        double a = Math.abs(z);
        double t = 1.0 / (1.0 + 0.3275911 * a);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double r = 1.0 - poly * Math.exp(-a * a);
        return z < 0 ? -r : r;
    }

    /** SiLU (x · sigmoid(x)), as run.c's SwiGLU: {@code x / (1 + e^-x)}. */
    static float silu(float x) {
        return x * (1.0f / (1.0f + (float) Math.exp(-x)));
    }

    /**
     * Attention of one query head over {@code len} cached positions, {@code softmax(q·kᵀ · scale) · v}, written to
     * {@code out[o .. o + hs)}. The head's keys are stored channel-major — channel c's keys of every position at
     * {@code kBase + c·positions ..} — so the scores are one matrix product over positions; values row-major,
     * position s at {@code vBase + s·vStride}. {@code scores} holds at least {@code len} floats.
     */
    static void attend(
            MatMul mm,
            float[] q,
            int qo,
            float[] cache,
            int kBase,
            int positions,
            int vBase,
            int vStride,
            int len,
            int hs,
            float scale,
            float[] scores,
            float[] out,
            int o) {
        mm.apply(q, qo, 1, hs, cache, kBase, positions, len, scores, 0, false);
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < len; s++) {
            float dot = scores[s] * scale;
            scores[s] = dot;
            if (dot > max) {
                max = dot;
            }
        }
        float sum = 0f;
        for (int s = 0; s < len; s++) {
            float e = (float) Math.exp(scores[s] - max);
            scores[s] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int s = 0; s < len; s++) {
            scores[s] *= inv;
        }
        mm.apply(scores, 0, 1, len, cache, vBase, vStride, hs, out, o, false);
    }
}
