package dev.probeval.worker;

import dev.probeval.contract.DeadLetterReason;

/**
 * A request the worker will not draw, with its reason code. A {@linkplain #contractViolation() contract violation}
 * (the shared {@code EvalRequestValidator} rejects it) is skipped without a dead letter, since the aggregator
 * dead-letters the same record; any other reason is the worker's own and becomes a REJECTED record on the samples
 * topic, so the aggregator ends the request.
 */
final class RejectedRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;
    private final boolean contractViolation;

    /** A worker-side refusal (the request ends REJECTED). */
    RejectedRequestException(DeadLetterReason reason, String message) {
        this(reason, message, null, false);
    }

    RejectedRequestException(DeadLetterReason reason, String message, Throwable cause) {
        this(reason, message, cause, false);
    }

    RejectedRequestException(DeadLetterReason reason, String message, Throwable cause, boolean contractViolation) {
        super(message, cause);
        this.reason = reason;
        this.contractViolation = contractViolation;
    }

    /** A violation of the shared request contract (the aggregator dead-letters the record). */
    static RejectedRequestException contract(DeadLetterReason reason, String message) {
        return new RejectedRequestException(reason, message, null, true);
    }

    DeadLetterReason reason() {
        return reason;
    }

    /** True when the shared contract rejects the request, false for the worker's own reasons. */
    boolean contractViolation() {
        return contractViolation;
    }
}
