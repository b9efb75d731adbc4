package dev.probeval.worker.http;

import java.time.Duration;

/**
 * A call to a serving endpoint failed in a way that time may fix (connection refused or reset, timeout, 429, 5xx)
 * and its retries ran out. The worker does not commit the chunk and tries it again later, until the endpoint's
 * outage deadline; nothing was produced for it.
 */
public final class EndpointUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final transient Duration retryAfter;

    public EndpointUnavailableException(String endpoint, String message, Duration retryAfter, Throwable cause) {
        super("endpoint " + endpoint + " unavailable: " + message, cause);
        this.endpoint = endpoint;
        this.retryAfter = retryAfter;
    }

    /** The endpoint's label (its API root URL). */
    public String endpoint() {
        return endpoint;
    }

    /** How long the server asked us to wait ({@code Retry-After}), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
