package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI's error body, {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}, every field written (null
 * where it does not apply), in this order. Also what a failed stream sends as its last event before
 * {@code [DONE]}.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ErrorResponse(Detail error) {
    /** The {@code type} of an error the client caused. */
    public static final String INVALID_REQUEST = "invalid_request_error";
    /** The {@code type} of an error the server caused. */
    public static final String SERVER_ERROR = "server_error";

    /**
     * The error.
     *
     * @param type {@link #INVALID_REQUEST}, {@link #SERVER_ERROR}, or another of OpenAI's ({@code requests} for a rate
     *     limit)
     * @param param the request field at fault, or null
     * @param code a machine-readable code ({@code model_not_found}, {@code context_length_exceeded}, ...), or null
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(String message, String type, String param, String code) {}

    public static ErrorResponse of(String message, String type, String param, String code) {
        return new ErrorResponse(new Detail(message, type, param, code));
    }

    /**
     * Reads an error body leniently: null unless {@code node} is an object whose {@code error} is an object; a field
     * that is missing or not a string reads as null.
     */
    public static ErrorResponse fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode e = node.get("error");
        if (e == null || !e.isObject()) {
            return null;
        }
        return of(
                Json.textOrNull(e.get("message")),
                Json.textOrNull(e.get("type")),
                Json.textOrNull(e.get("param")),
                Json.textOrNull(e.get("code")));
    }
}
