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

    /** Reusable buffers of {@link #processed}: one per row, so choosing a token allocates nothing. */
    static final class Scratch {
        final double[] p;
        final double[] sorted;
        final boolean[] remove;

        Scratch(int n) {
            p = new double[n];
            sorted = new double[n];
            remove = new boolean[n];
        }
    }

    /**
     * The distribution sampled from: softmax(logits / temperature) restricted by top-k then top-p and renormalised.
     * Removed tokens get probability 0. {@code temperature} must be > 0, {@code topK} 0 = off, {@code topP} 1 = off.
     */
    static double[] processed(float[] logits, int off, int n, double temperature, int topK, double topP) {
        return processed(logits, off, n, temperature, topK, topP, new Scratch(n))
                .clone();
    }

    /**
     * {@link #processed(float[], int, int, double, int, double)} into {@code s}: returns {@code s.p}, whose first
     * {@code n} entries hold the distribution until the next call with the same scratch.
     */
    static double[] processed(float[] logits, int off, int n, double temperature, int topK, double topP, Scratch s) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("processed distribution needs temperature > 0");
        }
        double[] scaled = s.p;
        for (int i = 0; i < n; i++) {
            scaled[i] = logits[off + i] / temperature;
        }
        if (topK > 0 && topK < n) {
            double[] sorted = s.sorted;
            System.arraycopy(scaled, 0, sorted, 0, n);
            Arrays.sort(sorted, 0, n);
            double kth = sorted[n - topK];
            for (int i = 0; i < n; i++) {
                if (scaled[i] < kth) {
                    scaled[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double[] p = softmaxInPlace(scaled, n);
        if (topP < 1.0) {
            // Only tokens that survived top-k take part (removed ones have probability 0). The removed set is a prefix
            // of the ascending order because the cumulative sum only grows; ties in probability are ordered by index,
            // higher index first, so among equal probabilities the lowest index counts as the more likely.
            // Every token with p <= (1 - topP) / m is in the removed prefix (m such tokens sum to at most 1 - topP),
            // so only the others are sorted; the small ones enter the cumulative sum first, in index order.
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (p[i] > 0) {
                    m++;
                }
            }
            double small = (1.0 - topP) / m;
            double[] sorted = s.sorted;
            int large = 0;
            int removedSmall = 0;
            double maxSmall = 0;
            double cum = 0;
            for (int i = 0; i < n; i++) {
                if (p[i] > 0) {
                    if (p[i] <= small) {
                        cum += p[i];
                        removedSmall++;
                        maxSmall = Math.max(maxSmall, p[i]);
                    } else {
                        sorted[large++] = p[i];
                    }
                }
            }
            if (large == 0) {
                // Only reachable through rounding: keep the exact order of the whole set.
                cum = 0;
                removedSmall = 0;
                maxSmall = 0;
                for (int i = 0; i < n; i++) {
                    if (p[i] > 0) {
                        sorted[large++] = p[i];
                    }
                }
            }
            Arrays.sort(sorted, 0, large);
            int removed = removedSmall;
            for (int j = 0; j < large - 1; j++) {
                cum += sorted[j];
                if (cum <= 1.0 - topP) {
                    removed++;
                } else {
                    break;
                }
            }
            boolean[] remove = s.remove;
            Arrays.fill(remove, 0, n, false);
            if (removed > 0) {
                double tau = removed > removedSmall ? sorted[removed - removedSmall - 1] : maxSmall;
                int below = 0;
                for (int j = 0; j < removed - removedSmall; j++) {
                    if (sorted[j] < tau) {
                        below++;
                    }
                }
                if (removedSmall > 0) {
                    for (int i = 0; i < n; i++) {
                        if (p[i] > 0 && p[i] <= small && p[i] < tau) {
                            below++;
                        }
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
        return draw(p, p.length, u);
    }

    /** {@link #draw(double[], double)} over the first {@code n} entries. */
    static int draw(double[] p, int n, double u) {
        double cum = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
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

    /** Softmax of the first {@code n} entries of {@code x}, in place (−∞ gives 0). */
    private static double[] softmaxInPlace(double[] x, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            x[i] = x[i] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(x[i] - max);
            s += x[i];
        }
        for (int i = 0; i < n; i++) {
            x[i] /= s;
        }
        return x;
    }
}
