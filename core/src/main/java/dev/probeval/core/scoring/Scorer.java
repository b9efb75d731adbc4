package dev.probeval.core.scoring;

import java.util.List;
import java.util.Objects;

/**
 * A scoring function h that maps a model output to [0,1] given the ground-truth answer(s); the bounds of paper-spec
 * §1 are computed on its values. Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface Scorer {

    /** The score of {@code prediction} against one reference, in [0,1]. */
    double score(String prediction, String reference);

    /**
     * The score against several acceptable references: the maximum over them.
     *
     * @throws IllegalArgumentException if {@code references} is empty
     */
    default double score(String prediction, List<String> references) {
        Objects.requireNonNull(prediction, "prediction");
        if (references.isEmpty()) {
            throw new IllegalArgumentException("at least one reference is required");
        }
        double best = Double.NEGATIVE_INFINITY;
        for (String reference : references) {
            best = Math.max(best, score(prediction, Objects.requireNonNull(reference, "reference")));
        }
        return best;
    }
}
