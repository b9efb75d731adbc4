package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code POST /v1/chat/completions} body. Null fields are left out when written.
 *
 * @param maxCompletionTokens OpenAI's newer name of {@code max_tokens}; a server takes it first when both are sent
 * @param logprobs whether to report each generated token's log-probability
 * @param topLogprobs how many most likely tokens to report with each (needs {@code logprobs: true})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Integer n,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        List<String> stop,
        Long seed,
        Boolean logprobs,
        @JsonProperty("top_logprobs") Integer topLogprobs,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        @JsonProperty("best_of") Integer bestOf,
        Boolean echo,
        String suffix,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("logit_bias") Map<String, Double> logitBias)
        implements SamplingRequest {

    /** A request with the sampling fields a client sets; the rest null. */
    public static ChatCompletionRequest of(
            String model,
            List<ChatMessage> messages,
            Integer n,
            Double temperature,
            Double topP,
            Integer topK,
            Integer maxTokens,
            List<String> stop,
            Long seed,
            Boolean logprobs,
            Boolean stream) {
        return new ChatCompletionRequest(
                model,
                messages,
                n,
                temperature,
                topP,
                topK,
                maxTokens,
                null,
                stop,
                seed,
                logprobs,
                null,
                stream,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /**
     * Reads a request strictly: a field of the wrong type is a {@link ProtocolException} naming it; {@code messages}
     * must be a non-empty array of objects with a string {@code role} and a string {@code content}. Fields this record
     * does not know are ignored. Values are not range-checked: that is the server's business.
     */
    public static ChatCompletionRequest fromJson(JsonNode body) {
        ObjectNode o = Json.requestObject(body);
        String model = Json.string(o, "model");
        List<ChatMessage> messages = messages(o);
        return new ChatCompletionRequest(
                model,
                messages,
                Json.integer(o, "n"),
                Json.number(o, "temperature"),
                Json.number(o, "top_p"),
                Json.integer(o, "top_k"),
                Json.integer(o, "max_tokens"),
                Json.integer(o, "max_completion_tokens"),
                Json.strings(o, "stop"),
                Json.int64(o, "seed"),
                Json.bool(o, "logprobs"),
                Json.integer(o, "top_logprobs"),
                Json.bool(o, "stream"),
                Json.streamOptions(o),
                Json.integer(o, "best_of"),
                Json.bool(o, "echo"),
                Json.string(o, "suffix"),
                Json.number(o, "frequency_penalty"),
                Json.number(o, "presence_penalty"),
                Json.numbers(o, "logit_bias"));
    }

    private static List<ChatMessage> messages(ObjectNode o) {
        JsonNode m = o.get("messages");
        if (m == null || !m.isArray() || m.isEmpty()) {
            throw new ProtocolException("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>(m.size());
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            if (!msg.isObject()
                    || !msg.path("role").isTextual()
                    || !msg.path("content").isTextual()) {
                throw new ProtocolException(
                        "messages[" + i + "]",
                        "each message needs a string role and a string content " + "(content parts are not supported)");
            }
            out.add(new ChatMessage(msg.get("role").asText(), msg.get("content").asText()));
        }
        return out;
    }
}
