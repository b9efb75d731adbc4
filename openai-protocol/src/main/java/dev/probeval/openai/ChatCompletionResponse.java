package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat completions response ({@code chat.completion}); a streamed call answers {@link ChatCompletionChunk}s
 * instead.
 *
 * @param seed the seed the call was decoded with: {@code probeval serve}'s extension, null from other servers (left
 *     out when written)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ChatCompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long seed) {
    /** The {@code object} of a chat completion. */
    public static final String OBJECT = "chat.completion";

    /** A response with {@link #OBJECT}. */
    public static ChatCompletionResponse of(
            String id, long created, String model, List<Choice> choices, Usage usage, Long seed) {
        return new ChatCompletionResponse(id, OBJECT, created, model, choices, usage, seed);
    }

    /**
     * One choice.
     *
     * @param index the choice's position (null when a response's index is missing or not an int)
     * @param logprobs null unless asked for (written as null)
     * @param finishReason {@link Finish#STOP} or {@link Finish#LENGTH}
     * @param stopReason vLLM's extension: the stop string that ended the choice, or JSON null (vLLM: the stop token's
     *     id); Java null leaves the field out
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(
            Integer index,
            ChatMessage message,
            ChatLogprobs logprobs,
            @JsonProperty("finish_reason") String finishReason,

            @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.NON_NULL)
            JsonNode stopReason) {

        /** Reads a choice leniently: fields that are missing or of the wrong type read as null. */
        public static Choice fromJson(JsonNode node) {
            return new Choice(
                    Json.intOrNull(node.get("index")),
                    ChatMessage.fromJson(node.get("message")),
                    ChatLogprobs.fromJson(node.get("logprobs")),
                    Json.textOrNull(node.get("finish_reason")),
                    node.get("stop_reason"));
        }
    }

    /**
     * Reads a response leniently: null unless {@code node} is an object; {@code choices} null unless an array, each
     * read by {@link Choice#fromJson}; {@code usage} by {@link Usage#fromJson}.
     */
    public static ChatCompletionResponse fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode cs = node.get("choices");
        List<Choice> choices = null;
        if (cs != null && cs.isArray()) {
            choices = new ArrayList<>(cs.size());
            for (JsonNode c : cs) {
                choices.add(Choice.fromJson(c));
            }
        }
        JsonNode seed = node.get("seed");
        return new ChatCompletionResponse(
                Json.textOrNull(node.get("id")),
                Json.textOrNull(node.get("object")),
                node.path("created").asLong(0),
                Json.textOrNull(node.get("model")),
                choices,
                Usage.fromJson(node.get("usage")),
                seed != null && seed.isIntegralNumber() && seed.canConvertToLong() ? seed.asLong() : null);
    }
}
