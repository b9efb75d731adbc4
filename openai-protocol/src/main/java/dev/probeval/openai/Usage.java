package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts of a call: the prompt's and the generated ones (all choices together).
 *
 * @param promptTokens the prompt's tokens (-1 when a response did not say)
 * @param completionTokens the generated tokens of all choices (-1 when a response did not say)
 * @param totalTokens their sum (-1 when a response did not say)
 */
public record Usage(
        @JsonProperty("prompt_tokens") long promptTokens,
        @JsonProperty("completion_tokens") long completionTokens,
        @JsonProperty("total_tokens") long totalTokens) {

    /** The usage of {@code promptTokens} and {@code completionTokens}, with their total. */
    public static Usage of(long promptTokens, long completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens);
    }

    /**
     * Reads a response's {@code usage} leniently: null unless it is an object; a count that is missing or not a number
     * reads as -1.
     */
    public static Usage fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        return new Usage(
                node.path("prompt_tokens").asLong(-1),
                node.path("completion_tokens").asLong(-1),
                node.path("total_tokens").asLong(-1));
    }
}
