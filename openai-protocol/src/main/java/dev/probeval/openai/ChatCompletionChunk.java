package dev.probeval.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One event of a streamed chat completion ({@code chat.completion.chunk}): each choice's role first, then pieces of
 * its text as deltas, then its finish reason; the last chunk may carry usage and no choices.
 *
 * @param usage null in a chunk without it (left out when written)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ChatCompletionChunk(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
    /** The {@code object} of a chat stream's chunks. */
    public static final String OBJECT = "chat.completion.chunk";

    /** A chunk with {@link #OBJECT}. */
    public static ChatCompletionChunk of(String id, long created, String model, List<Choice> choices, Usage usage) {
        return new ChatCompletionChunk(id, OBJECT, created, model, choices, usage);
    }

    /**
     * One choice's part of a chunk.
     *
     * @param logprobs always null in this project's streams (written as null)
     * @param finishReason null while the choice goes on
     * @param stopReason as in {@link ChatCompletionResponse.Choice}; Java null (a piece) leaves the field out
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(
            int index,
            Delta delta,
            ChatLogprobs logprobs,
            @JsonProperty("finish_reason") String finishReason,

            @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.NON_NULL)
            JsonNode stopReason) {}

    /**
     * What a chunk adds to a choice's message: the role (first chunk only) and a piece of content; null fields are left
     * out, so a choice's last chunk has an empty delta.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {}
}
