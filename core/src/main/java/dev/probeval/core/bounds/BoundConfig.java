package dev.probeval.core.bounds;

import java.util.List;

/**
 * What to compute: target one-sided miscoverage α, mode, leak threshold τ (leak := score ≥ τ), extra thresholds for
 * M_gen, the ED weight λ, and which α convention CONBO mode uses for M_σ.
 *
 * @param alpha target miscoverage in (0, 0.5]: each reported bound holds with probability ≥ 1−α
 * @param mode how bounds are computed
 * @param leakThreshold τ for M_bin: a sample leaks when its score is ≥ τ
 * @param thresholds the x values at which M_gen(x) bounds P(X &gt; x)
 * @param lambda weight λ ≥ 0 of M_ED = M_μ + λ·M_σ (paper-spec §1.6, [UNVERIFIED] form and weight)
 * @param conboSigma α passed to conbo's std_bounds in CONBO mode: α as its docstring says, or 2α as the demo does
 * @param designN the n at which ANYTIME's mean confidence sequence is tuned to be tightest
 */
public record BoundConfig(
        double alpha,
        BoundMode mode,
        double leakThreshold,
        List<Double> thresholds,
        double lambda,
        ConboSigmaConvention conboSigma,
        long designN) {

    /** The α conbo's std_bounds receives in CONBO mode. */
    public enum ConboSigmaConvention {
        /** α, as conbo's docstring prescribes: M_σ holds with probability ≥ 1−α. */
        DOC,
        /** 2α, as the authors' demo notebook passes: M_σ holds only with probability ≥ 1−2α. */
        DEMO
    }

    public static final double DEFAULT_ALPHA = 0.01;
    public static final double DEFAULT_LEAK_THRESHOLD = 0.5;
    public static final double DEFAULT_LAMBDA = 1.0;

    public BoundConfig {
        Validation.alpha(alpha);
        if (mode == null) {
            throw new IllegalArgumentException("mode must be given");
        }
        Validation.threshold("leak threshold", leakThreshold);
        thresholds = List.copyOf(thresholds == null ? List.of() : thresholds);
        for (double t : thresholds) {
            Validation.threshold("threshold", t);
        }
        if (!Double.isFinite(lambda) || lambda < 0) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
        }
        if (conboSigma == null) {
            conboSigma = ConboSigmaConvention.DOC;
        }
        if (designN < 1) {
            throw new IllegalArgumentException("design n must be >= 1, got " + designN);
        }
    }

    /** Defaults: α = 0.01, SOUND, τ = 0.5, no extra thresholds, λ = 1. */
    public static BoundConfig defaults() {
        return new BoundConfig(
                DEFAULT_ALPHA,
                BoundMode.SOUND,
                DEFAULT_LEAK_THRESHOLD,
                List.of(),
                DEFAULT_LAMBDA,
                ConboSigmaConvention.DOC,
                AnytimeBounds.DEFAULT_DESIGN_N);
    }

    public BoundConfig withAlpha(double a) {
        return new BoundConfig(a, mode, leakThreshold, thresholds, lambda, conboSigma, designN);
    }

    public BoundConfig withMode(BoundMode m) {
        return new BoundConfig(alpha, m, leakThreshold, thresholds, lambda, conboSigma, designN);
    }

    public BoundConfig withLeakThreshold(double tau) {
        return new BoundConfig(alpha, mode, tau, thresholds, lambda, conboSigma, designN);
    }

    public BoundConfig withThresholds(List<Double> ts) {
        return new BoundConfig(alpha, mode, leakThreshold, ts, lambda, conboSigma, designN);
    }

    public BoundConfig withLambda(double l) {
        return new BoundConfig(alpha, mode, leakThreshold, thresholds, l, conboSigma, designN);
    }

    public BoundConfig withConboSigma(ConboSigmaConvention c) {
        return new BoundConfig(alpha, mode, leakThreshold, thresholds, lambda, c, designN);
    }

    public BoundConfig withDesignN(long d) {
        return new BoundConfig(alpha, mode, leakThreshold, thresholds, lambda, conboSigma, d);
    }
}
