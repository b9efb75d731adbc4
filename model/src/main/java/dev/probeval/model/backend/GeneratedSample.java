package dev.probeval.model.backend;

import dev.probeval.model.sampling.AdaptiveStats;
import dev.probeval.model.sampling.FinishReason;

/**
 * One sample as a backend returns it: deterministic id and seed from (request id, index), the continuation text,
 * token count, finish reason and log-probabilities (see {@link dev.probeval.model.sampling.Sample} for their
 * exact definitions). {@code adaptive} is null unless adaptive temperature was on. Plain Java only.
 */
public record GeneratedSample(String sampleId, int index, Kind kind, String text, int tokens, FinishReason finish,
    double logprob, double modelLogprob, long seed, AdaptiveStats adaptive) {
  /** A sampled continuation or the greedy baseline. */
  public enum Kind {
    SAMPLED,
    GREEDY
  }
}
