package dev.probeval.worker;

/**
 * One unit of work and one Kafka transaction: samples {@code firstIndex .. firstIndex + count - 1} of a request,
 * preceded by the greedy baseline when {@code includeGreedy}.
 *
 * @param ordinal position in the request's plan (0-based)
 * @param firstIndex first sample index
 * @param count number of sampled outputs
 * @param includeGreedy whether the greedy baseline (index -1) is drawn in this chunk
 * @param last whether this chunk completes the request (its transaction commits the request's offset)
 */
record Chunk(int ordinal, int firstIndex, int count, boolean includeGreedy, boolean last) {
    /** The sample index after this chunk: where a restarted worker resumes. */
    int endIndex() {
        return firstIndex + count;
    }

    /** Records this chunk produces. */
    int size() {
        return count + (includeGreedy ? 1 : 0);
    }
}
