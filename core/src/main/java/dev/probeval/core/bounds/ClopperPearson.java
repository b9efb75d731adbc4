package dev.probeval.core.bounds;

import org.hipparchus.special.Beta;

/**
 * Clopper–Pearson (1934) exact binomial confidence limits via the inverse regularized incomplete beta function, as
 * statsmodels' {@code proportion_confint(method="beta")} computes them (paper-spec §1.2). Inversion is by safeguarded
 * Halley iteration on the binomial tail to full double precision, because the default solver accuracy of beta quantiles (1e-9) is too
 * coarse for parity.
 */
public final class ClopperPearson {
    /**
     * 1/j for j ≤ 65536 (512 KiB): the tail sums multiply by a ratio of integers per term, and a table lookup keeps
     * the division out of that loop, which dominates the cost of a bound update.
     */
    private static final double[] RECIPROCALS = new double[(1 << 16) + 2];

    static {
        for (int j = 1; j < RECIPROCALS.length; j++) {
            RECIPROCALS[j] = 1.0 / j;
        }
    }

    private ClopperPearson() {}

    /** Upper limit: the (1−q) quantile of Beta(k+1, n−k), 1 when k = n. One-sided level q. */
    public static double upper(long k, long n, double q) {
        check(k, n);
        if (k == n) {
            return 1.0;
        }
        if (k == 0) {
            // Beta(1, n) has the closed-form quantile 1 − q^{1/n} (paper-spec §1.2); the commonest case for a prompt
            // that does not leak.
            return -Math.expm1(Math.log(q) / n);
        }
        return solve(k, n, q, true, logChoose(k, n));
    }

    /** Lower limit: the q quantile of Beta(k, n−k+1), 0 when k = 0. One-sided level q. */
    public static double lower(long k, long n, double q) {
        check(k, n);
        if (k == 0) {
            return 0.0;
        }
        return solve(k, n, q, false, logChoose(k, n));
    }

    /**
     * {lower, upper} limits with one-sided levels qLower and qUpper: the same as {@link #lower} and {@link #upper},
     * sharing the binomial coefficient between them.
     */
    public static double[] interval(long k, long n, double qLower, double qUpper) {
        check(k, n);
        double lc = logChoose(k, n);
        double lower = k == 0 ? 0.0 : solve(k, n, qLower, false, lc);
        double upper = k == n ? 1.0 : k == 0 ? -Math.expm1(Math.log(qUpper) / n) : solve(k, n, qUpper, true, lc);
        return new double[] {lower, upper};
    }

    /** ln C(n, k). */
    private static double logChoose(long k, long n) {
        return -Math.log(n + 1.0) - Beta.logBeta(k + 1.0, n - k + 1.0);
    }

    private static void check(long k, long n) {
        Validation.n(n);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n, got k = " + k + ", n = " + n);
        }
    }

    /**
     * Solves the Clopper–Pearson equation: for the upper limit P(Bin(n,x) ≤ k) = q, i.e. 1 − I_x(k+1, n−k) = q; for
     * the lower limit P(Bin(n,x) ≥ k) = q, i.e. I_x(k, n−k+1) = q. The binomial tail is summed from its largest term
     * (so a tiny q keeps full relative precision, and the cost grows with the tail's width, not with n), and solved by
     * Halley's method from a normal approximation, safeguarded by a bisection bracket: usually 3–5 evaluations.
     */
    private static double solve(long k, long n, double q, boolean upper, double logChoose) {
        double phat = (double) k / n;
        // Start from the continuity-corrected Wilson score limit, close to the exact one even for skewed k/n.
        double z = normalQuantileUpper(q);
        double pc = upper ? (k + 0.5) / n : (k - 0.5) / n;
        double z2n = z * z / n;
        double centre = pc + z2n / 2;
        double half = z * Math.sqrt(Math.max(pc * (1 - pc), 0.0) / n + z2n / (4.0 * n));
        double x = (upper ? centre + half : centre - half) / (1 + z2n);
        double lo = upper ? phat : 0.0;
        double hi = upper ? 1.0 : phat;
        if (!(x > lo && x < hi)) {
            x = 0.5 * (lo + hi);
        }
        for (int i = 0; i < 300; i++) {
            double logX = Math.log(x);
            double log1mX = Math.log1p(-x);
            double pmfK = Math.exp(logChoose + k * logX + (n - k) * log1mX);
            // f = tail − q, increasing in x for the lower limit and decreasing for the upper one.
            double f;
            double df;
            double curv;
            if (upper) {
                f = cdf(k, n, x, pmfK) - q;
                df = -(n - k) * pmfK / (1.0 - x);
                curv = k / x - (n - k - 1.0) / (1.0 - x);
            } else {
                f = survival(k, n, x, pmfK) - q;
                df = k * pmfK / x;
                curv = (k - 1.0) / x - (n - k) / (1.0 - x);
            }
            if ((upper ? -f : f) < 0) {
                lo = x;
            } else if (f != 0) {
                hi = x;
            } else {
                return x;
            }
            double next = Double.NaN;
            if (df != 0 && Double.isFinite(df)) {
                double newton = f / df;
                next = x - newton / (1.0 - 0.5 * Math.max(-1.0, Math.min(1.0, newton * curv)));
                // Converged: Halley's error is about cubic in the step, so after a relative step of 1e-8 it is far
                // below
                // double precision (checked against full bisection in ClopperPearsonTest).
                if (Math.abs(next - x) <= 1e-8 * Math.min(x, 1.0 - x)) {
                    return next > lo && next < hi ? next : x;
                }
            }
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            if (next == x) {
                return x;
            }
            x = next;
        }
        return x;
    }

    /**
     * P(Bin(n,x) ≤ j) given pmf(j). Each tail is summed directly from its largest term when it is the smaller tail
     * (j below the mean for the lower tail), and as 1 minus the other tail otherwise, so the values near the
     * Clopper–Pearson roots (small tails) keep full relative precision.
     */
    private static double cdf(long j, long n, double x, double pmfJ) {
        if (j >= n) {
            return 1.0;
        }
        double odds = x / (1.0 - x);
        return j <= n * x ? sumDown(j, n, odds, pmfJ) : 1.0 - sumUp(j + 1, n, odds, pmfJ * (n - j) / (j + 1.0) * odds);
    }

    /** P(Bin(n,x) ≥ j) given pmf(j), the mirror of {@link #cdf}. */
    private static double survival(long j, long n, double x, double pmfJ) {
        if (j <= 0) {
            return 1.0;
        }
        double odds = x / (1.0 - x);
        return j >= n * x ? sumUp(j, n, odds, pmfJ) : 1.0 - sumDown(j - 1, n, odds, pmfJ * j / ((n - j + 1.0) * odds));
    }

    /** Σ_{i ≤ j} pmf(i) from pmf(j), stopping once the terms no longer change the sum. */
    private static double sumDown(long j, long n, double odds, double pmfJ) {
        double term = pmfJ;
        double sum = term;
        double inv = 1.0 / odds;
        if (n < RECIPROCALS.length) {
            for (int i = (int) j; i > 0 && term > sum * 1e-17; i--) {
                term *= i * inv * RECIPROCALS[(int) n - i + 1];
                sum += term;
            }
            return sum;
        }
        for (long i = j; i > 0 && term > sum * 1e-17; i--) {
            term *= i * inv / (n - i + 1.0);
            sum += term;
        }
        return sum;
    }

    /** Σ_{i ≥ j} pmf(i) from pmf(j). */
    private static double sumUp(long j, long n, double odds, double pmfJ) {
        double term = pmfJ;
        double sum = term;
        if (n < RECIPROCALS.length) {
            for (int i = (int) j; i < n && term > sum * 1e-17; i++) {
                term *= (n - i) * odds * RECIPROCALS[i + 1];
                sum += term;
            }
            return sum;
        }
        for (long i = j; i < n && term > sum * 1e-17; i++) {
            term *= (n - i) / (i + 1.0) * odds;
            sum += term;
        }
        return sum;
    }

    /** Upper-tail standard normal quantile z with P(Z &gt; z) = q, for q in (0, 1/2] (Abramowitz &amp; Stegun 26.2.23). */
    private static double normalQuantileUpper(double q) {
        double t = Math.sqrt(-2.0 * Math.log(Math.min(q, 0.5)));
        return t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    }
}
