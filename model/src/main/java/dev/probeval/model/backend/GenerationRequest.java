package dev.probeval.model.backend;

import dev.probeval.model.sampling.DecodingParams;

/**
 * What a sampler worker asks a backend for: samples {@code firstIndex .. firstIndex + count - 1} of request
 * {@code requestId} for {@code prompt} (so a long request can be drawn in chunks), optionally with the greedy
 * baseline. Sample i's RNG seed is {@code SampleIds.sampleSeed(baseSeed, requestId, i)}. Plain Java only.
 */
public record GenerationRequest(
        String requestId,
        String prompt,
        int firstIndex,
        int count,
        DecodingParams decoding,
        long baseSeed,
        boolean includeGreedy) {
    public GenerationRequest {
        if (requestId == null || requestId.isEmpty()) {
            throw new IllegalArgumentException("request id is required");
        }
        if (prompt == null) {
            throw new IllegalArgumentException("prompt is required");
        }
        if (firstIndex < 0 || count < 0 || (count == 0 && !includeGreedy)) {
            throw new IllegalArgumentException(
                    "need firstIndex >= 0 and count >= 1 (or the greedy baseline), got " + firstIndex + ", " + count);
        }
        if (decoding == null) {
            throw new IllegalArgumentException("decoding parameters are required");
        }
    }

    /** All n samples of a request, starting at index 0. */
    public static GenerationRequest of(
            String requestId, String prompt, int n, DecodingParams decoding, long baseSeed, boolean includeGreedy) {
        return new GenerationRequest(requestId, prompt, 0, n, decoding, baseSeed, includeGreedy);
    }
}
