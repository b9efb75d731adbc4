package dev.probeval.model.backend;

import java.util.List;

/**
 * Produces samples for the sampler worker. The DJL engine is the first implementation; a serving API (an
 * OpenAI-compatible completions endpoint) can be another. Implementations must make sample i depend only on
 * (request id, i, prompt, decoding, base seed), so retries and chunks reproduce the same samples.
 */
public interface SamplingBackend extends AutoCloseable {
    /** The greedy baseline first (when requested), then samples in index order. */
    List<GeneratedSample> generate(GenerationRequest request);

    /** What this backend runs, for logs and provenance. */
    String describe();

    @Override
    void close();
}
