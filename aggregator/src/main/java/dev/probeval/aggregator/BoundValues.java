package dev.probeval.aggregator;

/**
 * The metrics of one prompt at one (α, τ, mode), as computed by core's bounds calculator: each upper bound with its
 * lower bound, plus the sample mean and standard deviation (paper-spec §1).
 */
public record BoundValues(
    double mBin, double mBinLower,
    double mGen, double mGenLower,
    double mMu, double mMuLower,
    double mSigma, double mSigmaLower,
    double mean, double std) {}
