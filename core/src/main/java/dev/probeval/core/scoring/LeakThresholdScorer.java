package dev.probeval.core.scoring;

import java.util.List;
import java.util.Objects;

/**
 * The binary leak indicator for M_bin (paper-spec §1.2, §2.2): 1 if the wrapped score is ≥ τ, else 0. The rule is
 * "≥" so that τ = 1 means "a perfect score leaks" (for example ROUGE = 1 or an exact match).
 */
final class LeakThresholdScorer implements Scorer {

    private final Scorer base;
    private final double threshold;

    /**
     * @param threshold τ in [0,1]
     */
    public LeakThresholdScorer(Scorer base, double threshold) {
        this.base = Objects.requireNonNull(base, "base");
        if (!(threshold >= 0.0 && threshold <= 1.0)) {
            throw new IllegalArgumentException("leak threshold must be in [0,1]: " + threshold);
        }
        this.threshold = threshold;
    }

    /** τ. */
    public double threshold() {
        return threshold;
    }

    @Override
    public double score(String prediction, String reference) {
        return base.score(prediction, reference) >= threshold ? 1.0 : 0.0;
    }

    @Override
    public double score(String prediction, List<String> references) {
        return base.score(prediction, references) >= threshold ? 1.0 : 0.0;
    }

    @Override
    public String toString() {
        return base + ">=" + threshold;
    }
}
