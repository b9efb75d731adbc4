package dev.probeval.serve;

import dev.probeval.core.text.Texts;
import dev.probeval.http.ErrorShape;
import dev.probeval.http.HttpError;
import dev.probeval.openai.ErrorResponse;
import dev.probeval.openai.ProtocolException;

/**
 * An error answered in OpenAI's shape ({@link ErrorResponse}): a 400 for a bad request names the offending parameter
 * in {@code param}.
 */
final class OpenAiError extends HttpError {
    private static final long serialVersionUID = 1L;

    private final String type;
    private final String param;
    private final String errorCode;

    OpenAiError(int status, String type, String param, String errorCode, String message) {
        super(status, message);
        this.type = type;
        this.param = param;
        this.errorCode = errorCode;
    }

    /** A 400 {@code invalid_request_error} about {@code param}. */
    static OpenAiError invalid(String param, String message) {
        return new OpenAiError(400, ErrorResponse.INVALID_REQUEST, param, null, message);
    }

    /** The 400 for a body that breaks the protocol. */
    static OpenAiError of(ProtocolException e) {
        return invalid(e.param(), e.getMessage());
    }

    /** The 404 for a model this server does not serve. */
    static OpenAiError modelNotFound(String asked, String served) {
        return new OpenAiError(
                404,
                ErrorResponse.INVALID_REQUEST,
                "model",
                "model_not_found",
                "The model '" + Texts.clip(String.valueOf(asked), 64) + "' does not exist; this server serves '"
                        + served + "'");
    }

    /**
     * The body of any error this server answers: this class's own fields, or for the framework's errors (404, 405,
     * 500) their message with {@code server_error} or {@code invalid_request_error} by status.
     */
    static ErrorResponse body(HttpError e) {
        if (e instanceof OpenAiError o) {
            return ErrorResponse.of(String.valueOf(o.getMessage()), o.type, o.param, o.errorCode);
        }
        return ErrorResponse.of(
                String.valueOf(e.getMessage()),
                e.status() >= 500 ? ErrorResponse.SERVER_ERROR : ErrorResponse.INVALID_REQUEST,
                null,
                null);
    }

    /**
     * The last event of a stream whose decoding failed: the response is committed as a 200 by then, so the error
     * says only its message and whether the client or the server caused it.
     */
    static ErrorResponse streamEvent(RuntimeException e) {
        return ErrorResponse.of(
                e.getMessage(),
                e instanceof OpenAiError o && o.status() < 500
                        ? ErrorResponse.INVALID_REQUEST
                        : ErrorResponse.SERVER_ERROR,
                null,
                null);
    }

    /** The server's one error shape: OpenAI's, for its own errors and the framework's. */
    static final ErrorShape SHAPE = new ErrorShape() {
        @Override
        public String contentType() {
            return "application/json";
        }

        @Override
        public Object body(HttpError e) {
            return OpenAiError.body(e);
        }
    };
}
