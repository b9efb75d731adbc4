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
     * erf to about 1e-15 relative: the Maclaurin series below 2.5 and the continued fraction of erfc above
     * (Abramowitz and Stegun 7.1.5 and 7.1.14); both in double, far below float resolution.
     */
    static double erf(double z) {
        double a = Math.abs(z);
        double r;
        if (a < 2.5) {
            // erf(z) = 2/√π Σ_n (-1)^n z^(2n+1) / (n! (2n+1))
            double z2 = a * a;
            double term = a;
            double sum = a;
            for (int n = 1; n < 60; n++) {
                term *= -z2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 1.1283791670955126 * sum;
        } else if (a > 6.0) {
            r = 1.0;
        } else {
            // erfc(z) = exp(-z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + 2/(z + ...))))), evaluated bottom-up.
            double f = a;
            for (int k = 60; k >= 1; k--) {
                f = a + (k / 2.0) / f;
            }
            r = 1.0 - Math.exp(-a * a) / (f * 1.7724538509055159);
        }
        return z < 0 ? -r : r;
    }

    /** SiLU (x · sigmoid(x)), as run.c's SwiGLU: {@code x / (1 + e^-x)}. */
    static float silu(float x) {
        return x * (1.0f / (1.0f + (float) Math.exp(-x)));
    }

    /**
     * Attention of one query head over {@code len} cached positions: {@code softmax(q·kᵀ · scale) · v} written to
     * {@code out[o .. o + hs)}; keys and values of position s start at {@code kBase + s·stride} and {@code vBase +
     * s·stride}. {@code scores} holds at least {@code len} floats.
     */
    static void attend(
            float[] q,
            int qo,
            float[] cache,
            int kBase,
            int vBase,
            int stride,
            int len,
            int hs,
            float scale,
            float[] scores,
            float[] out,
            int o) {
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < len; s++) {
            int k = kBase + s * stride;
            float dot = 0f;
            for (int i = 0; i < hs; i++) {
                dot += q[qo + i] * cache[k + i];
            }
            dot *= scale;
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
        java.util.Arrays.fill(out, o, o + hs, 0f);
        for (int s = 0; s < len; s++) {
            float p = scores[s] * inv;
            int v = vBase + s * stride;
            for (int i = 0; i < hs; i++) {
                out[o + i] += p * cache[v + i];
            }
        }
    }
}
