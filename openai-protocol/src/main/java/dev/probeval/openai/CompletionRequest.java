package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A {@code POST /v1/completions} body. Null fields are left out when written. {@code prompt} is one string (OpenAI
 * also takes an array of prompts; one prompt per call is all this project sends or serves).
 *
 * @param logprobs how many most likely tokens to report with each generated token's log-probability (0: the chosen
 *     token's only; null: no log-probabilities)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompletionRequest(
        String model,
        String prompt,
        Integer n,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("max_tokens") Integer maxTokens,
        List<String> stop,
        Long seed,
        Integer logprobs,
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
    public static CompletionRequest of(
            String model,
            String prompt,
            Integer n,
            Double temperature,
            Double topP,
            Integer topK,
            Integer maxTokens,
            List<String> stop,
            Long seed,
            Integer logprobs,
            Boolean stream) {
        return new CompletionRequest(
                model,
                prompt,
                n,
                temperature,
                topP,
                topK,
                maxTokens,
                stop,
                seed,
                logprobs,
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
     * Reads a request strictly: a field of the wrong type, or a missing prompt, is a {@link ProtocolException}
     * naming it. {@code prompt} may also be an array of exactly one string. Fields this record does not know are
     * ignored. Values are not range-checked: that is the server's business.
     */
    public static CompletionRequest fromJson(JsonNode body) {
        ObjectNode o = Json.requestObject(body);
        return new CompletionRequest(
                Json.string(o, "model"),
                prompt(o),
                Json.integer(o, "n"),
                Json.number(o, "temperature"),
                Json.number(o, "top_p"),
                Json.integer(o, "top_k"),
                Json.integer(o, "max_tokens"),
                Json.strings(o, "stop"),
                Json.int64(o, "seed"),
                Json.integer(o, "logprobs"),
                Json.bool(o, "stream"),
                Json.streamOptions(o),
                Json.integer(o, "best_of"),
                Json.bool(o, "echo"),
                Json.string(o, "suffix"),
                Json.number(o, "frequency_penalty"),
                Json.number(o, "presence_penalty"),
                Json.numbers(o, "logit_bias"));
    }

    private static String prompt(ObjectNode o) {
        JsonNode p = o.get("prompt");
        if (p == null || p.isNull()) {
            throw new ProtocolException("prompt", "prompt is required");
        }
        if (p.isArray()) {
            if (p.size() != 1 || !p.get(0).isTextual()) {
                throw new ProtocolException("prompt", "prompt must be a string or an array of exactly one string");
            }
            p = p.get(0);
        }
        if (!p.isTextual()) {
            throw new ProtocolException("prompt", "prompt must be a string");
        }
        return p.asText();
    }
}
