package dev.probeval.worker;

import java.util.Optional;

/**
 * How far a partially processed request got, stored as the metadata of the consumer offset the worker commits in
 * each chunk's transaction. While a request at offset o is in progress the worker commits offset o (not o + 1) with
 * metadata naming the request and the next sample index; the request's last chunk commits o + 1. Because the
 * metadata commits atomically with the chunk's samples, whoever reads the partition next — this worker after a
 * restart, or another after a rebalance — resumes exactly after the last committed chunk.
 *
 * <p>Format: {@code probeval-worker/v1 <offset> <nextIndex> <requestId>} (the request id last, since it may contain
 * spaces). A request under a stopping rule also carries the rule's running tally
 * ({@link dev.probeval.core.bounds.EarlyStopping.Tally#encode()}, no spaces), so a worker that resumes it continues
 * with exactly the statistics the samples before {@code nextIndex} gave: {@code probeval-worker/v2 <offset>
 * <nextIndex> <tally> <requestId>}.
 *
 * @param offset offset of the request record in progress
 * @param nextIndex first sample index not yet committed
 * @param requestId id of the request in progress
 * @param tally the stopping rule's tally after the samples before nextIndex; null for a request without a rule
 */
record Progress(long offset, int nextIndex, String requestId, String tally) {
    static final String PREFIX = "probeval-worker/v1 ";
    static final String PREFIX_V2 = "probeval-worker/v2 ";

    /** Progress of a request without a stopping rule. */
    Progress(long offset, int nextIndex, String requestId) {
        this(offset, nextIndex, requestId, null);
    }

    /** The offset-commit metadata string. */
    String encode() {
        return tally == null
                ? PREFIX + offset + " " + nextIndex + " " + requestId
                : PREFIX_V2 + offset + " " + nextIndex + " " + tally + " " + requestId;
    }

    /**
     * Parses commit metadata; empty for null, empty, foreign or malformed metadata (which means: start afresh). A first
     * line of completed requests ({@link CompletedRequests}) is skipped.
     */
    static Optional<Progress> decode(String metadata) {
        metadata = CompletedRequests.withoutLine(metadata);
        boolean v2 = metadata != null && metadata.startsWith(PREFIX_V2);
        if (metadata == null || !(v2 || metadata.startsWith(PREFIX))) {
            return Optional.empty();
        }
        int fields = v2 ? 4 : 3;
        String[] parts = metadata.substring(PREFIX.length()).split(" ", fields);
        if (parts.length != fields || parts[fields - 1].isEmpty() || v2 && parts[2].isEmpty()) {
            return Optional.empty();
        }
        try {
            long offset = Long.parseLong(parts[0]);
            int next = Integer.parseInt(parts[1]);
            return offset >= 0 && next > 0
                    ? Optional.of(new Progress(offset, next, parts[fields - 1], v2 ? parts[2] : null))
                    : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The sample index to resume the request {@code requestId} at {@code offset} from: {@link #nextIndex} if this
     * progress is about that very record and still inside [1, n), else 0 (draw the request from the start; the
     * aggregator's de-duplication by sample id keeps any re-drawn sample from being counted twice).
     */
    int resumeIndex(long offset, String requestId, int n) {
        return this.offset == offset && this.requestId.equals(requestId) && nextIndex < n ? nextIndex : 0;
    }
}
