package dev.probeval.core.bounds;

/**
 * Chooses n before sampling (paper-spec §8.1): the n needed for a target band width ε at α in each mode, the width
 * at a given n, and the zero-leak certificate (k = 0 samples at or above τ certifies P(leak) ≤ p*).
 */
public final class SampleSizePlanner {
    private static final long MAX_N = 1L << 40;

    private SampleSizePlanner() {}

    /**
     * Worst-case distance between M_μ and the sample mean at n: CONBO ε + 1/99 (grid slack), SOUND ε (exact Anderson),
     * ANYTIME the normal-mixture radius / n.
     */
    public static double meanWidth(long n, double alpha, BoundMode mode) {
        Validation.alpha(alpha);
        Validation.n(n);
        double one = Math.sqrt(Math.log(1.0 / alpha) / (2.0 * n));
        return switch (mode) {
            case CONBO -> one + 1.0 / 99;
            case SOUND -> one;
            case ANYTIME -> AnytimeBounds.meanRadius(n, alpha, AnytimeBounds.DEFAULT_DESIGN_N) / n;
        };
    }

    /** Smallest n whose M_gen band width is ≤ eps: ⌈ln(1/α)/(2ε²)⌉ for fixed n, a search for ANYTIME. */
    public static long samplesForBandWidth(double eps, double alpha, BoundMode mode) {
        checkTarget("eps", eps);
        Validation.alpha(alpha);
        if (mode != BoundMode.ANYTIME) {
            return (long) Math.ceil(Math.log(1.0 / alpha) / (2.0 * eps * eps));
        }
        return smallest(n -> AnytimeBounds.dkwEps(n, alpha) <= eps);
    }

    /** Smallest n whose worst-case M_μ − mean is ≤ eps; CONBO needs eps &gt; 1/99. */
    public static long samplesForMeanWidth(double eps, double alpha, BoundMode mode) {
        checkTarget("eps", eps);
        if (mode == BoundMode.CONBO && eps <= 1.0 / 99) {
            throw new IllegalArgumentException(
                    "CONBO's grid adds up to 1/99 to M_mu; eps must exceed 1/99, got " + eps);
        }
        return smallest(n -> meanWidth(n, alpha, mode) <= eps);
    }

    /**
     * Smallest n for which zero leaks certify P(leak) ≤ pStar at α: n ≥ ln α / ln(1−p*) for fixed n (Clopper–Pearson
     * with k = 0 is 1 − α^{1/n}); for ANYTIME the beta-binomial confidence sequence's upper end at k = 0.
     */
    public static long zeroLeakSamples(double pStar, double alpha, BoundMode mode) {
        checkTarget("p*", pStar);
        Validation.alpha(alpha);
        if (mode != BoundMode.ANYTIME) {
            return (long) Math.ceil(Math.log(alpha) / Math.log1p(-pStar));
        }
        return smallest(n -> AnytimeBounds.binomial(0, n, alpha)[1] <= pStar);
    }

    private static void checkTarget(String what, double v) {
        if (!(v > 0 && v < 1)) {
            throw new IllegalArgumentException(what + " must be in (0,1), got " + v);
        }
    }

    /** Exponential then binary search for the smallest n with a monotone predicate. */
    private static long smallest(java.util.function.LongPredicate ok) {
        long hi = 1;
        while (!ok.test(hi)) {
            hi *= 2;
            if (hi > MAX_N) {
                throw new IllegalArgumentException("target not reachable below n = 2^40");
            }
        }
        long lo = hi / 2;
        while (lo + 1 < hi) {
            long mid = (lo + hi) >>> 1;
            if (ok.test(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }
}
