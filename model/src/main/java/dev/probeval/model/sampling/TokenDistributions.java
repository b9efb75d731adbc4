package dev.probeval.model.sampling;

import java.util.Arrays;

/**
 * Next-token distributions computed on the CPU from one row of logits, in double precision: the untempered model
 * distribution, and the processed distribution with Hugging Face's warper semantics — temperature divides the
 * logits; top-k removes every token whose scaled logit is below the k-th largest (ties at the k-th value stay);
 * top-p sorts the survivors by probability ascending and removes those whose cumulative probability is
 * {@code <= 1 - p}, always keeping the most likely token, i.e. it keeps the smallest top set whose mass reaches p.
 */
final class TokenDistributions {
    private TokenDistributions() {}

    /** log Σ exp(logits[off .. off+n)). */
    static double logSumExp(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(logits[off + i] - max);
        }
        return max + Math.log(s);
    }

    /** Index of the largest logit (the lowest index on ties). */
    static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > logits[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The distribution sampled from: softmax(logits / temperature) restricted by top-k then top-p and renormalised.
     * Removed tokens get probability 0. {@code temperature} must be > 0, {@code topK} 0 = off, {@code topP} 1 = off.
     */
    static double[] processed(float[] logits, int off, int n, double temperature, int topK, double topP) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("processed distribution needs temperature > 0");
        }
        double[] scaled = new double[n];
        for (int i = 0; i < n; i++) {
            scaled[i] = logits[off + i] / temperature;
        }
        if (topK > 0 && topK < n) {
            double[] sorted = scaled.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int i = 0; i < n; i++) {
                if (scaled[i] < kth) {
                    scaled[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double[] p = softmax(scaled);
        if (topP < 1.0) {
            // Only tokens that survived top-k take part (removed ones have probability 0). The removed set is a prefix
            // of the ascending order because the cumulative sum only grows; ties in probability are ordered by index,
            // higher index first, so among equal probabilities the lowest index counts as the more likely.
            int m = 0;
            double[] sorted = new double[n];
            for (int i = 0; i < n; i++) {
                if (p[i] > 0) {
                    sorted[m++] = p[i];
                }
            }
            sorted = Arrays.copyOf(sorted, m);
            Arrays.sort(sorted);
            int removed = 0;
            double cum = 0;
            for (int j = 0; j < m - 1; j++) {
                cum += sorted[j];
                if (cum <= 1.0 - topP) {
                    removed++;
                } else {
                    break;
                }
            }
            boolean[] remove = new boolean[n];
            if (removed > 0) {
                double tau = sorted[removed - 1];
                int below = 0;
                for (int j = 0; j < removed; j++) {
                    if (sorted[j] < tau) {
                        below++;
                    }
                }
                int tiesToRemove = removed - below;
                for (int i = 0; i < n; i++) {
                    if (p[i] > 0 && p[i] < tau) {
                        remove[i] = true;
                    }
                }
                for (int i = n - 1; i >= 0 && tiesToRemove > 0; i--) {
                    if (p[i] == tau) {
                        remove[i] = true;
                        tiesToRemove--;
                    }
                }
            }
            double kept = 0;
            for (int i = 0; i < n; i++) {
                if (remove[i]) {
                    p[i] = 0;
                } else {
                    kept += p[i];
                }
            }
            for (int i = 0; i < n; i++) {
                p[i] /= kept;
            }
        }
        return p;
    }

    /** Inverse-CDF draw over indices in order: the first i with Σ_{j<=i} p_j > u (u in [0, 1)). */
    static int draw(double[] p, double u) {
        double cum = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cum += p[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // rounding left u above the total mass: the last token with mass
    }

    private static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double s = 0;
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            p[i] = x[i] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(x[i] - max);
            s += p[i];
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= s;
        }
        return p;
    }
}
