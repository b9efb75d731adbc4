package dev.probeval.core.bounds;

import java.util.Map;

/**
 * Every metric of one prompt's score distribution, with its lower bound, as computed by {@link Bounds#compute}.
 * Upper bounds are the metrics (paper-spec §1); lower bounds are reported alongside.
 *
 * @param n number of scores
 * @param alpha target miscoverage
 * @param mode how the bounds were computed
 * @param mean sample mean
 * @param std sample standard deviation (ddof 0)
 * @param eps the CDF band half width used for M_gen (one-sided; ANYTIME: the time-uniform band)
 * @param mMu M_μ, upper bound on E[X]
 * @param mMuLower lower bound on E[X]
 * @param mSigma M_σ, upper bound on the standard deviation
 * @param mSigmaLower lower bound on the standard deviation
 * @param mEd M_ED = M_μ' + λ·M_σ' where M_μ', M_σ' hold jointly (SOUND, ANYTIME: one two-sided band)
 * @param lambda the ED weight λ
 * @param mGen x → upper bound on P(X &gt; x), all x at once
 * @param mGenAtLeast x → upper bound on P(X ≥ x), all x at once
 * @param leakThreshold τ
 * @param k #{score ≥ τ}
 * @param mBin M_bin, upper bound on P(score ≥ τ)
 * @param mBinLower lower bound on P(score ≥ τ)
 * @param approximate true when the accumulator passed its distinct-value cap (see {@link ScoreAccumulator})
 */
public record BoundReport(
        long n,
        double alpha,
        BoundMode mode,
        double mean,
        double std,
        double eps,
        double mMu,
        double mMuLower,
        double mSigma,
        double mSigmaLower,
        double mEd,
        double lambda,
        Map<Double, Double> mGen,
        Map<Double, Double> mGenAtLeast,
        double leakThreshold,
        long k,
        double mBin,
        double mBinLower,
        boolean approximate) {}
