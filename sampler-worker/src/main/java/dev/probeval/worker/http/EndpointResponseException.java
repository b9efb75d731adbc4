package dev.probeval.worker.http;

/**
 * A serving endpoint answered, but not with usable samples: a malformed or truncated body (still so after the
 * retries), a 4xx other than 408/429 (bad request, unknown model, bad key), or a request the endpoint cannot honour.
 * Retrying the chunk later would not help, so the request ends REJECTED ({@code GENERATION_FAILED}); the message
 * names the endpoint.
 */
final class EndpointResponseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EndpointResponseException(String message) {
        super(message);
    }

    EndpointResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
