package dev.probeval.core.bounds;

import java.util.HashMap;
import java.util.Map;

/**
 * numpy's pairwise summation ({@code np.add.reduce} on a contiguous float64 array: a plain loop below 8 elements,
 * eight unrolled accumulators up to 128, halving above), for the one case where its rounding is visible in conbo's
 * output: a constant sample, whose sample variance numpy reports as float noise (e.g. σ = 6.45e-9 for ten 0.3s)
 * instead of 0. Reproducing that keeps CONBO mode bit-for-bit; every other case uses compensated sums.
 */
final class NumpySums {
    private static final int BLOCK = 128;

    private NumpySums() {}

    /** The float64 sum numpy computes for n copies of c. */
    static double constantSum(double c, long n) {
        return sum(c, n, new HashMap<>());
    }

    private static double sum(double c, long n, Map<Long, Double> memo) {
        if (n < 8) {
            double res = 0.0;
            for (long i = 0; i < n; i++) {
                res += c;
            }
            return res;
        }
        if (n <= BLOCK) {
            double[] r = new double[8];
            java.util.Arrays.fill(r, c);
            long i = 8;
            for (; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += c;
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += c;
            }
            return res;
        }
        Double cached = memo.get(n);
        if (cached != null) {
            return cached;
        }
        long n2 = n / 2;
        n2 -= n2 % 8;
        double res = sum(c, n2, memo) + sum(c, n - n2, memo);
        memo.put(n, res);
        return res;
    }

    /** numpy's population variance max(0, mean(x²) − mean(x)²) of n copies of c. */
    static double constantVariance(double c, long n) {
        double m = constantSum(c, n) / n;
        double m2 = constantSum(c * c, n) / n;
        return Math.max(0.0, m2 - m * m);
    }
}
