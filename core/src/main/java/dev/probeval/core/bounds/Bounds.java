package dev.probeval.core.bounds;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Computes every metric (paper-spec §1: M_bin, M_gen, M_μ, M_σ, M_ED) of one accumulator in one of three modes.
 *
 * <p>α conventions. α is the target one-sided miscoverage: each upper bound holds with probability ≥ 1−α.
 * <ul>
 *   <li>CONBO reproduces the reference library as the paper's demo calls it (paper-spec §1.1 table): M_μ, M_gen and
 *       M_bin from conbo at 2α, M_σ from {@code std_bounds} at α (or 2α with {@link
 *       BoundConfig.ConboSigmaConvention#DEMO}); M_ED = M_μ + λ·M_σ of those.
 *   <li>SOUND: M_bin is the one-sided Clopper–Pearson bound (its lower end a one-sided bound at α too); M_gen uses
 *       the one-sided DKW–Massart ε = √(ln(1/α)/(2n)); M_μ is the exact Anderson bound with that ε; M_σ uses the
 *       two-sided band at α with the atom-at-0 correction and is clipped to 0.5 (the largest σ on [0,1]); M_ED takes
 *       M_μ and M_σ from one two-sided band at α so that both hold jointly with probability ≥ 1−α.
 *   <li>ANYTIME: M_bin from the one-sided beta-binomial mixture confidence sequences, M_μ from the normal-mixture confidence
 *       sequence, M_gen and M_σ (and M_ED) from the time-uniform DKW band of Howard &amp; Ramdas (2022); see
 *       {@link AnytimeBounds}. Each holds for all n simultaneously.
 * </ul>
 */
public final class Bounds {
    private static final double SIGMA_MAX = 0.5;

    private Bounds() {}

    /** All metrics of {@code acc} under {@code cfg}; throws {@link IllegalArgumentException} when acc is empty. */
    public static BoundReport compute(ScoreAccumulator acc, BoundConfig cfg) {
        long n = Validation.n(acc.n());
        return switch (cfg.mode()) {
            case CONBO -> conbo(acc, cfg, n);
            case SOUND -> sound(acc, cfg, n);
            case ANYTIME -> anytime(acc, cfg, n);
        };
    }

    private static BoundReport conbo(ScoreAccumulator acc, BoundConfig cfg, long n) {
        double a2 = 2 * cfg.alpha();
        double e = Conbo.eps(n, a2);
        double[] mu = Conbo.expectationBounds(acc, a2);
        double sigmaAlpha = cfg.conboSigma() == BoundConfig.ConboSigmaConvention.DEMO ? a2 : cfg.alpha();
        double[] sd = Conbo.stdBounds(acc, sigmaAlpha, false);
        Map<Double, Double> gen = new LinkedHashMap<>();
        Map<Double, Double> genGe = new LinkedHashMap<>();
        for (double t : cfg.thresholds()) {
            gen.put(t, Conbo.survivalBounds(acc, t, a2)[2]);
            genGe.put(t, survivalAtLeast(acc, t, e));
        }
        long k = acc.countAtLeast(cfg.leakThreshold());
        double[] bin = Conbo.binomialBounds(k, n, a2);
        if (acc.isRounded()) {
            bin[0] = Conbo.binomialBounds(acc.countAtLeastSurely(cfg.leakThreshold()), n, a2)[0];
        }
        // A constant sample is the one case where numpy's rounding shows in conbo's sample σ; reproduce it.
        double std = acc.distinctValues() == 1 && !acc.isRounded()
                ? Math.sqrt(NumpySums.constantVariance(acc.min(), n))
                : acc.std();
        return new BoundReport(
                n,
                cfg.alpha(),
                BoundMode.CONBO,
                acc.mean(),
                std,
                e,
                mu[2],
                mu[1],
                sd[2],
                sd[1],
                mu[2] + cfg.lambda() * sd[2],
                cfg.lambda(),
                gen,
                genGe,
                cfg.leakThreshold(),
                k,
                bin[1],
                bin[0],
                acc.isRounded());
    }

    private static BoundReport sound(ScoreAccumulator acc, BoundConfig cfg, long n) {
        double alpha = cfg.alpha();
        double eOne = Math.sqrt(Math.log(1.0 / alpha) / (2.0 * n));
        double eTwo = Conbo.eps(n, alpha);
        double[] muOne = meanBounds(acc, eOne, alpha, 2 * alpha);
        double[] muTwo = meanBounds(acc, eTwo, alpha, alpha);
        double[] var = Conbo.varianceBoundsWithEps(acc, eTwo, muTwo[0], muTwo[1], true);
        double sigmaUpper = Math.min(SIGMA_MAX, Math.sqrt(var[2]));
        double sigmaLower = Math.min(SIGMA_MAX, Math.sqrt(var[1]));
        double[] bin = ClopperPearson.interval(acc.countAtLeast(cfg.leakThreshold()), n, alpha, alpha);
        if (acc.isRounded()) {
            bin[0] = ClopperPearson.lower(acc.countAtLeastSurely(cfg.leakThreshold()), n, alpha);
        }
        return finish(
                acc, cfg, n, eOne, muOne, sigmaLower, sigmaUpper, muTwo[1] + cfg.lambda() * sigmaUpper, bin[0], bin[1]);
    }

    /**
     * {lower, upper} on E[X] from a band of half width e: exact Anderson while the multiset is exact; past the cap
     * the upper stays exact-Anderson (values were rounded up) and the lower falls back to conbo's grid right rule at
     * the given conbo level.
     */
    private static double[] meanBounds(ScoreAccumulator acc, double e, double alpha, double conboLevel) {
        double[] exact = Anderson.bounds(acc, e);
        if (acc.isRounded()) {
            exact[0] = Conbo.expectationBounds(acc, conboLevel)[1];
        }
        return exact;
    }

    private static BoundReport anytime(ScoreAccumulator acc, BoundConfig cfg, long n) {
        double alpha = cfg.alpha();
        double e = AnytimeBounds.dkwEps(n, alpha);
        double[] mu = AnytimeBounds.meanInterval(acc.mean(), n, alpha, cfg.designN());
        double[] muBand = Anderson.bounds(acc, e);
        if (acc.isRounded()) {
            // The lower end must come from the same band event as the variance bound: the exact grid's right rule.
            muBand[0] = Conbo.expectationBoundsWithEps(acc, e)[1];
        }
        double[] var = Conbo.varianceBoundsWithEps(acc, e, muBand[0], muBand[1], true);
        double sigmaUpper = Math.min(SIGMA_MAX, Math.sqrt(var[2]));
        double sigmaLower = Math.min(SIGMA_MAX, Math.sqrt(var[1]));
        double[] bin = AnytimeBounds.binomial(acc.countAtLeast(cfg.leakThreshold()), n, alpha, cfg.designN());
        if (acc.isRounded()) {
            bin[0] = AnytimeBounds.binomial(acc.countAtLeastSurely(cfg.leakThreshold()), n, alpha, cfg.designN())[0];
        }
        return finish(
                acc, cfg, n, e, mu, sigmaLower, sigmaUpper, muBand[1] + cfg.lambda() * sigmaUpper, bin[0], bin[1]);
    }

    private static BoundReport finish(
            ScoreAccumulator acc,
            BoundConfig cfg,
            long n,
            double e,
            double[] mu,
            double sigmaLower,
            double sigmaUpper,
            double ed,
            double binLower,
            double binUpper) {
        Map<Double, Double> gen = new LinkedHashMap<>();
        Map<Double, Double> genGe = new LinkedHashMap<>();
        for (double t : cfg.thresholds()) {
            gen.put(t, Math.min(1.0, 1.0 - (double) acc.countAtMost(t) / n + e));
            genGe.put(t, survivalAtLeast(acc, t, e));
        }
        long k = acc.countAtLeast(cfg.leakThreshold());
        return new BoundReport(
                n,
                cfg.alpha(),
                cfg.mode(),
                acc.mean(),
                acc.std(),
                e,
                mu[1],
                mu[0],
                sigmaUpper,
                sigmaLower,
                ed,
                cfg.lambda(),
                gen,
                genGe,
                cfg.leakThreshold(),
                k,
                binUpper,
                binLower,
                acc.isRounded());
    }

    /** Upper bound on P(X ≥ t) = 1 − F(t⁻) from the left limit F_n(t⁻) = #{x &lt; t}/n (paper-spec §1.3). */
    private static double survivalAtLeast(ScoreAccumulator acc, double t, double e) {
        return Math.min(1.0, 1.0 - Math.max((double) acc.countBelow(t) / acc.n() - e, 0.0));
    }
}
