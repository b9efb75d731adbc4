package dev.probeval.openai;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One chat message, in a request's {@code messages} or a response's {@code message}: a role ({@code system},
 * {@code user}, {@code assistant}, ...) and its text. Content parts (arrays of text and images) are not part of this
 * record.
 */
public record ChatMessage(String role, String content) {
    /** The assistant's role, which every generated message has. */
    public static final String ASSISTANT = "assistant";

    /** A {@code user} message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** Reads a response's message leniently: a field that is missing or not a string reads as null. */
    public static ChatMessage fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        return new ChatMessage(Json.textOrNull(node.get("role")), Json.textOrNull(node.get("content")));
    }
}
