package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat choice's log-probabilities: one entry per generated token.
 *
 * @param refusal OpenAI's log-probabilities of a refusal message; always null here (written as null)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ChatLogprobs(List<TokenLogprob> content, List<TokenLogprob> refusal) {

    /**
     * One generated token.
     *
     * @param token its text
     * @param logprob its log-probability (NaN where a response had no number)
     * @param bytes its text's UTF-8 bytes
     * @param topLogprobs the most likely tokens at its position, most likely first
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TokenLogprob(
            String token,
            double logprob,
            List<Integer> bytes,
            @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs) {}

    /** One of the most likely tokens at a position. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TopLogprob(String token, double logprob, List<Integer> bytes) {}

    /** The UTF-8 bytes of {@code text}, as OpenAI lists them (0..255). */
    public static List<Integer> bytes(String text) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    /**
     * Reads log-probabilities leniently: null unless an object; {@code content} null unless an array, each entry's
     * {@code logprob} NaN where not a number; the rest is not read (a client needs the values).
     */
    public static ChatLogprobs fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode c = node.get("content");
        List<TokenLogprob> content = null;
        if (c != null && c.isArray()) {
            content = new ArrayList<>(c.size());
            for (JsonNode t : c) {
                content.add(new TokenLogprob(
                        Json.textOrNull(t.get("token")), Json.numberOrNaN(t.get("logprob")), null, null));
            }
        }
        return new ChatLogprobs(content, null);
    }
}
