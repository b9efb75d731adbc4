package dev.probeval.aggregator;

/**
 * The metrics of one prompt at one (α, τ, mode), as computed by core's {@code Bounds}: each upper bound with its
 * lower bound, M_ED, and the sample mean and standard deviation (paper-spec §1).
 */
record BoundValues(
        double mBin,
        double mBinLower,
        double mGen,
        double mGenLower,
        double mMu,
        double mMuLower,
        double mSigma,
        double mSigmaLower,
        double mEd,
        double mEdLower,
        double mean,
        double std) {

    /**
     * The bounds with no samples: the trivial ones (every probability in [0,1], σ ≤ 0.5 on [0,1]). True, and say
     * nothing, which is what zero samples tell.
     */
    static BoundValues vacuous(double lambda) {
        return new BoundValues(1, 0, 1, 0, 1, 0, 0.5, 0, 1 + lambda * 0.5, 0, 0, 0);
    }
}
