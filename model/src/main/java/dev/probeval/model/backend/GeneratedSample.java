package dev.probeval.model.backend;

import dev.probeval.model.sampling.AdaptiveStats;
import dev.probeval.model.sampling.FinishReason;

/**
 * One sample as a backend returns it: deterministic id and seed from (request id, index), the continuation text,
 * token count, finish reason and log-probabilities (see {@link dev.probeval.model.sampling.Sample} for their
 * exact definitions; a backend that cannot report one gives NaN). {@code adaptive} is null unless adaptive
 * temperature was on. {@code reproducible} says whether drawing sample i again gives the same output (true for the
 * in-process engine; false for a serving API that shares one seed between several samples of a call or ignores
 * seeds). Plain Java only.
 */
public record GeneratedSample(
        String sampleId,
        int index,
        Kind kind,
        String text,
        int tokens,
        FinishReason finish,
        double logprob,
        double modelLogprob,
        long seed,
        AdaptiveStats adaptive,
        boolean reproducible) {
    /** A sampled continuation or the greedy baseline. */
    public enum Kind {
        SAMPLED,
        GREEDY
    }

    /** A reproducible sample (the in-process engine's kind). */
    public GeneratedSample(
            String sampleId,
            int index,
            Kind kind,
            String text,
            int tokens,
            FinishReason finish,
            double logprob,
            double modelLogprob,
            long seed,
            AdaptiveStats adaptive) {
        this(sampleId, index, kind, text, tokens, finish, logprob, modelLogprob, seed, adaptive, true);
    }
}
