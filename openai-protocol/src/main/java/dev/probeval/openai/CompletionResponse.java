package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A completions response, or one chunk of a streamed one (the same object, {@code text_completion}, with a piece of
 * one choice's text; the last chunk of a stream may carry usage and no choices).
 *
 * @param usage null in a chunk without it (left out when written)
 * @param seed the seed the call was decoded with: {@code probeval serve}'s extension, null in chunks and from other
 *     servers (left out when written)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long seed) {
    /** The {@code object} of completions and of their stream chunks. */
    public static final String OBJECT = "text_completion";

    /** A response (or chunk) with {@link #OBJECT}. */
    public static CompletionResponse of(
            String id, long created, String model, List<Choice> choices, Usage usage, Long seed) {
        return new CompletionResponse(id, OBJECT, created, model, choices, usage, seed);
    }

    /**
     * One choice. In a stream, a piece has a null {@code finishReason} and no {@code stopReason}; the choice's last
     * chunk has both.
     *
     * @param index the choice's position (null when a response's index is missing or not an int)
     * @param logprobs null unless asked for (written as null)
     * @param finishReason {@code stop} (end token or stop string) or {@code length} (token budget or context); null
     *     while a streamed choice goes on
     * @param stopReason vLLM's extension: the stop string that ended the choice, or JSON null for the end token (vLLM:
     *     the stop token's id); Java null leaves the field out, as in a stream's pieces
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(
            Integer index,
            String text,
            Logprobs logprobs,
            @JsonProperty("finish_reason") String finishReason,

            @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.NON_NULL)
            JsonNode stopReason) {

        /** A streamed piece of text: no finish reason yet, no stop reason. */
        public static Choice piece(int index, String text) {
            return new Choice(index, text, null, null, null);
        }

        /** Reads a choice leniently: fields that are missing or of the wrong type read as null. */
        public static Choice fromJson(JsonNode node) {
            return new Choice(
                    Json.intOrNull(node.get("index")),
                    Json.textOrNull(node.get("text")),
                    Logprobs.fromJson(node.get("logprobs")),
                    Json.textOrNull(node.get("finish_reason")),
                    node.get("stop_reason"));
        }
    }

    /**
     * A completion choice's log-probabilities, one entry per generated token in each list.
     *
     * @param tokens each token's text
     * @param tokenLogprobs each token's log-probability (NaN where a response had no number)
     * @param textOffset where each token starts in the choice's text
     * @param topLogprobs per token, the most likely tokens' texts and log-probabilities, most likely first; null
     *     when none were asked for (written as null)
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Logprobs(
            List<String> tokens,
            @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
            @JsonProperty("text_offset") List<Integer> textOffset,
            @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs) {

        /**
         * Reads log-probabilities leniently: null unless an object; {@code token_logprobs} null unless an array, its
         * entries NaN where not numbers; the other lists are not read (a client needs the values).
         */
        public static Logprobs fromJson(JsonNode node) {
            if (node == null || !node.isObject()) {
                return null;
            }
            JsonNode values = node.get("token_logprobs");
            List<Double> lp = null;
            if (values != null && values.isArray()) {
                lp = new ArrayList<>(values.size());
                for (JsonNode v : values) {
                    lp.add(Json.numberOrNaN(v));
                }
            }
            return new Logprobs(null, lp, null, null);
        }
    }

    /**
     * Reads a response leniently: null unless {@code node} is an object; {@code choices} null unless an array, each
     * read by {@link Choice#fromJson}; {@code usage} by {@link Usage#fromJson}.
     */
    public static CompletionResponse fromJson(JsonNode node) {
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
        return new CompletionResponse(
                Json.textOrNull(node.get("id")),
                Json.textOrNull(node.get("object")),
                node.path("created").asLong(0),
                Json.textOrNull(node.get("model")),
                choices,
                Usage.fromJson(node.get("usage")),
                seed != null && seed.canConvertToLong() && seed.isIntegralNumber() ? seed.asLong() : null);
    }
}
