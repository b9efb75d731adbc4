package dev.probeval.contract;

import java.util.Objects;

/**
 * The outcome of checking a request against the contract: ok, or a reason code with a one-line message naming the
 * field and its value.
 *
 * @param reason null when ok
 * @param message null when ok
 */
public record Validation(DeadLetterReason reason, String message) {
    private static final Validation OK = new Validation(null, null);

    public Validation {
        if ((reason == null) != (message == null)) {
            throw new IllegalArgumentException("a rejection needs both a reason and a message");
        }
    }

    /** The valid outcome. */
    public static Validation ok() {
        return OK;
    }

    /** A rejection. */
    public static Validation reject(DeadLetterReason reason, String message) {
        return new Validation(Objects.requireNonNull(reason, "reason"), Objects.requireNonNull(message, "message"));
    }

    public boolean isOk() {
        return reason == null;
    }

    @Override
    public String toString() {
        return isOk() ? "ok" : reason + ": " + message;
    }
}
