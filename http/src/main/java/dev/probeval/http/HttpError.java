package dev.probeval.http;

/**
 * An error a route handler answers with: the HTTP status, a numeric error code for shapes that carry one (Confluent's
 * {@code error_code}; by default the status itself) and a message for the client. Throw it from a handler; the
 * server writes it in its {@link ErrorShape}.
 */
public class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final int code;

    /** An error whose code is its HTTP status. */
    public HttpError(int status, String message) {
        this(status, status, message);
    }

    /** An error with its own code (for example Confluent's 40401 with status 404). */
    public HttpError(int status, int code, String message) {
        super(message);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an HTTP error status must be in 400..599, got " + status);
        }
        this.status = status;
        this.code = code;
    }

    /** The HTTP status, 400..599. */
    public int status() {
        return status;
    }

    /** The error code written by shapes that carry one. */
    public int code() {
        return code;
    }
}
