package dev.probeval.core.bounds;

import org.hipparchus.special.Beta;

/**
 * Time-uniform confidence sequences: each holds simultaneously for every n ≥ 1 with probability ≥ 1−α, so a bound
 * may be recomputed after every sample and a stream stopped at the first crossing without losing the guarantee.
 * All three are functions of the sufficient statistics (n, Σx, k, the empirical CDF), so they survive
 * {@link ScoreAccumulator#merge} and do not depend on arrival order.
 */
public final class AnytimeBounds {
    /** The design time n* at which the normal-mixture mean CS is tightest (it stays valid at every n). */
    public static final long DEFAULT_DESIGN_N = 1024;

    private AnytimeBounds() {}

    /**
     * Time-uniform DKW band of Howard &amp; Ramdas (2022), "Sequential estimation of quantiles with applications to
     * A/B-testing and best-arm identification", Bernoulli 28(3), Theorem 2: with probability ≥ 1−α, for all n ≥ 1 and
     * all x, |F_n(x) − F(x)| ≤ 0.85·√((ln ln(e·n) + 0.8·ln(1612/α))/n).
     */
    public static double dkwEps(long n, double alpha) {
        Validation.n(n);
        return 0.85 * Math.sqrt((Math.log(Math.log(Math.E * n)) + 0.8 * Math.log(1612.0 / alpha)) / n);
    }

    /**
     * Radius r_n of the two-sided normal-mixture confidence sequence for the mean of [0,1]-valued (hence
     * 1/4-sub-Gaussian) observations: with probability ≥ 1−α, for all n, |Σ(X_i − μ)| &lt; r_n with
     * r_n = √((n/4 + ρ)·(2 ln(1/α) + ln(1 + n/(4ρ)))). Robbins' normal mixture as stated by Howard, Ramdas, McAuliffe
     * &amp; Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), eq. (14)
     * and Proposition 5 (sub-Gaussian case). ρ is tuned to minimize the radius at {@code designN}.
     */
    public static double meanRadius(long n, double alpha, long designN) {
        Validation.n(n);
        double rho = optimalRho(alpha, designN);
        double v = n / 4.0;
        return Math.sqrt((v + rho) * (2.0 * Math.log(1.0 / alpha) + Math.log(1.0 + v / rho)));
    }

    /**
     * {lower, upper} on E[X] from the normal-mixture confidence sequence: mean ∓ r_n/n clipped to [0, 1]
     * ({@link #meanRadius}); what {@link Bounds#compute} reports as M_μ's ends in ANYTIME mode.
     */
    public static double[] meanInterval(double mean, long n, double alpha, long designN) {
        double r = meanRadius(n, alpha, designN) / n;
        return new double[] {Math.max(0.0, mean - r), Math.min(1.0, mean + r)};
    }

    /**
     * {lower, upper} on P(X &gt; x) from the time-uniform DKW band ({@link #dkwEps}), given the count of samples
     * above x: the empirical survival ∓ ε_n clipped to [0, 1]; the upper end is what {@link Bounds#compute} reports as
     * M_gen(x) in ANYTIME mode, the lower end the aggregator's mGenLower.
     */
    public static double[] survivalInterval(long countAbove, long n, double alpha) {
        double e = dkwEps(n, alpha);
        long atMost = n - countAbove;
        double survival = 1.0 - (double) atMost / n;
        return new double[] {Math.max(0.0, survival - e), Math.min(1.0, 1.0 - (double) atMost / n + e)};
    }

    /** Last tuned (α, n*, ρ), since callers recompute with the same configuration after every sample. */
    private static volatile double[] rhoCache = {Double.NaN, Double.NaN, Double.NaN};

    /** The mixture variance ρ minimizing the radius at n = designN (golden-section search on ln ρ). */
    static double optimalRho(double alpha, long designN) {
        double[] c = rhoCache;
        if (c[0] == alpha && c[1] == designN) {
            return c[2];
        }
        double rho = tuneRho(alpha, designN);
        rhoCache = new double[] {alpha, designN, rho};
        return rho;
    }

    private static double tuneRho(double alpha, long designN) {
        double v = designN / 4.0;
        double lo = Math.log(v * 1e-4);
        double hi = Math.log(v * 1e2);
        double g = (Math.sqrt(5) - 1) / 2;
        for (int i = 0; i < 100; i++) {
            double a = hi - g * (hi - lo);
            double b = lo + g * (hi - lo);
            if (radiusSq(v, Math.exp(a), alpha) < radiusSq(v, Math.exp(b), alpha)) {
                hi = b;
            } else {
                lo = a;
            }
        }
        return Math.exp(0.5 * (lo + hi));
    }

    private static double radiusSq(double v, double rho, double alpha) {
        return (v + rho) * (2.0 * Math.log(1.0 / alpha) + Math.log(1.0 + v / rho));
    }

    /**
     * Concentration r of the beta prior, as a multiple of the design n: r = 0.1·n* keeps the M_bin confidence sequence
     * within about 1.45× of the fixed-n Clopper–Pearson width at n = n* for every k (docs/statistics.md).
     */
    public static final double PRIOR_CONCENTRATION_PER_DESIGN_N = 0.1;

    /**
     * ln M_n(p) of the one-sided beta-binomial mixture martingale that tests a Bernoulli success probability p.
     *
     * <p>For a fixed p the likelihood ratio Π_i (q/p)^{x_i}((1−q)/(1−p))^{1−x_i} is a nonnegative martingale with mean
     * 1 under Bernoulli(p) for every q, and so is any mixture of them over a prior π_p on q chosen before seeing data
     * (Robbins 1970, "Statistical methods related to the law of the iterated logarithm", Ann. Math. Statist. 41(5);
     * Howard, Ramdas, McAuliffe &amp; Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence
     * sequences", Ann. Statist. 49(2), §3, the method of mixtures). Ville's inequality (Ville 1939) then gives
     * P(∃n: M_n(p) ≥ 1/α) ≤ α. The prior here is Beta(p·r, (1−p)·r), centred on the tested p, truncated to q ≤ p for
     * the upper end (it only bets on "fewer successes than p predicts") or to q ≥ p for the lower end; conjugacy
     * gives the closed form M_n(p) = B(pr+k, (1−p)r+n−k)·I / (B(pr, (1−p)r)·I₀·p^k·(1−p)^{n−k}), with I and I₀ the
     * posterior and prior masses of the truncation region (regularized incomplete beta).
     *
     * @param upper true for the martingale behind the upper end (prior on q ≤ p), false for the lower end
     */
    public static double logBetaBinomialMixture(long k, long n, double p, double r, boolean upper) {
        double a = p * r;
        double b = (1.0 - p) * r;
        double post =
                upper ? Beta.regularizedBeta(p, a + k, b + n - k) : Beta.regularizedBeta(1.0 - p, b + n - k, a + k);
        double prior = upper ? Beta.regularizedBeta(p, a, b) : Beta.regularizedBeta(1.0 - p, b, a);
        double logLik = (k == 0 ? 0.0 : k * Math.log(p)) + (n - k == 0 ? 0.0 : (n - k) * Math.log1p(-p));
        double v = Beta.logBeta(a + k, b + n - k) + Math.log(post) - Beta.logBeta(a, b) - Math.log(prior) - logLik;
        // Underflow of a tail mass means the tested p is far outside: treat it as rejected.
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    /**
     * {lower, upper} ends of the beta-binomial mixture confidence sequences for a Bernoulli p after k of n, tuned
     * for {@code designN}: each end holds for all n simultaneously with probability ≥ 1−α
     * ({@link #logBetaBinomialMixture}).
     */
    public static double[] binomial(long k, long n, double alpha, long designN) {
        Validation.n(n);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n, got k = " + k + ", n = " + n);
        }
        double r = PRIOR_CONCENTRATION_PER_DESIGN_N * designN;
        double threshold = Math.log(1.0 / alpha);
        double phat = (double) k / n;
        double upper = k == n ? 1.0 : solve(p -> logBetaBinomialMixture(k, n, p, r, true), threshold, phat, 1.0);
        double lower = k == 0 ? 0.0 : solve(p -> logBetaBinomialMixture(k, n, p, r, false), threshold, phat, 0.0);
        return new double[] {lower, upper};
    }

    /** {@link #binomial(long, long, double, long)} at the default design n. */
    public static double[] binomial(long k, long n, double alpha) {
        return binomial(k, n, alpha, DEFAULT_DESIGN_N);
    }

    /**
     * Finds where ln M_n(p) crosses ln(1/α) between the MLE (inside the CS) and an end (outside) by the Illinois
     * variant of regula falsi (bisection while the outside value is infinite), to 1e-13 in p. Returns the outside
     * end of the final bracket, so the reported bound contains the CS.
     */
    private static double solve(
            java.util.function.DoubleUnaryOperator logM, double threshold, double inside, double outside) {
        double in = inside;
        double out = outside;
        double fin = logM.applyAsDouble(in) - threshold;
        double fout = logM.applyAsDouble(out) - threshold;
        int lastSide = 0;
        for (int i = 0; i < 200 && Math.abs(out - in) > 1e-13; i++) {
            double mid = Double.isFinite(fout) && Double.isFinite(fin) && fout != fin
                    ? in + (out - in) * (-fin) / (fout - fin)
                    : 0.5 * (in + out);
            if (!(Math.min(in, out) < mid && mid < Math.max(in, out))) {
                mid = 0.5 * (in + out);
            }
            double fm = logM.applyAsDouble(mid) - threshold;
            if (fm < 0) {
                in = mid;
                fin = fm;
                if (lastSide == -1) {
                    fout *= 0.5;
                }
                lastSide = -1;
            } else {
                out = mid;
                fout = fm;
                if (lastSide == 1) {
                    fin *= 0.5;
                }
                lastSide = 1;
            }
        }
        return out;
    }
}
