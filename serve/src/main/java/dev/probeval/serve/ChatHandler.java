package dev.probeval.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.sampling.Sample;
import dev.probeval.openai.ChatCompletionChunk;
import dev.probeval.openai.ChatCompletionRequest;
import dev.probeval.openai.ChatCompletionResponse;
import dev.probeval.openai.ChatLogprobs;
import dev.probeval.openai.ChatMessage;
import dev.probeval.openai.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: the messages through the chat template ({@link OpenAiServer} describes it),
 * {@code max_completion_tokens} taken before {@code max_tokens}, {@code logprobs: true} with {@code top_logprobs} k
 * for log-probabilities (with each token's UTF-8 bytes). A stream sends each choice's role first, then content
 * deltas, then an empty delta with the finish reason.
 */
final class ChatHandler extends ApiHandler {

    ChatHandler(LanguageModel model, String modelName) {
        super(model, modelName);
    }

    @Override
    String promptParam() {
        return "messages";
    }

    @Override
    String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    ServeRequest parse(JsonNode body, OpenAiServer.Limits limits) {
        ChatCompletionRequest r = read(() -> ChatCompletionRequest.fromJson(body));
        boolean newName = r.maxCompletionTokens() != null;
        return check(
                r,
                template(r.messages()),
                newName ? "max_completion_tokens" : "max_tokens",
                newName ? r.maxCompletionTokens() : r.maxTokens(),
                "top_logprobs",
                () -> {
                    boolean want = Boolean.TRUE.equals(r.logprobs());
                    int top = topLogprobs("top_logprobs", r.topLogprobs() == null ? 0 : r.topLogprobs(), limits);
                    if (top > 0 && !want) {
                        throw OpenAiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
                    }
                    return want ? top : -1;
                },
                limits);
    }

    static String template(List<ChatMessage> messages) {
        if (messages.size() == 1) {
            return messages.get(0).content();
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append(m.role()).append(": ").append(m.content()).append('\n');
        }
        return sb.append(ChatMessage.ASSISTANT).append(": ").toString();
    }

    @Override
    Object response(Call call, List<Sample> samples) {
        List<ChatCompletionResponse.Choice> choices = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            ChatLogprobs lp = call.req().wantsLogprobs()
                    ? logprobs(s, call.last(), call.req().logprobs())
                    : null;
            choices.add(new ChatCompletionResponse.Choice(
                    i, new ChatMessage(ChatMessage.ASSISTANT, s.text()), lp, finishReason(s), stopReason(s, call)));
        }
        return ChatCompletionResponse.of(
                call.id(), call.created(), modelName, choices, usage(call, samples), call.seed());
    }

    @Override
    List<Object> opening(Call call) {
        List<Object> out = new ArrayList<>(call.req().n());
        for (int i = 0; i < call.req().n(); i++) {
            out.add(chunk(
                    call,
                    new ChatCompletionChunk.Choice(
                            i, new ChatCompletionChunk.Delta(ChatMessage.ASSISTANT, ""), null, null, null)));
        }
        return out;
    }

    @Override
    Object piece(Call call, int index, String text) {
        return chunk(
                call,
                new ChatCompletionChunk.Choice(index, new ChatCompletionChunk.Delta(null, text), null, null, null));
    }

    @Override
    Object end(Call call, int index, Sample sample) {
        return chunk(
                call,
                new ChatCompletionChunk.Choice(
                        index,
                        new ChatCompletionChunk.Delta(null, null),
                        null,
                        finishReason(sample),
                        stopReason(sample, call)));
    }

    @Override
    Object usage(Call call, Usage usage) {
        return ChatCompletionChunk.of(call.id(), call.created(), modelName, List.of(), usage);
    }

    private ChatCompletionChunk chunk(Call call, ChatCompletionChunk.Choice choice) {
        return ChatCompletionChunk.of(call.id(), call.created(), modelName, List.of(choice), null);
    }

    private ChatLogprobs logprobs(Sample s, int last, int k) {
        String[] pieces = tokenStrings(s.tokens(), last);
        List<ChatLogprobs.TokenLogprob> content = new ArrayList<>(pieces.length);
        int prev = last;
        for (int t = 0; t < pieces.length; t++) {
            List<ChatLogprobs.TopLogprob> tops = new ArrayList<>();
            for (int j = 0; j < Math.min(k, s.topTokenIds()[t].length); j++) {
                String alt = tokenString(s.topTokenIds()[t][j], prev);
                tops.add(new ChatLogprobs.TopLogprob(alt, s.topTokenLogprobs()[t][j], ChatLogprobs.bytes(alt)));
            }
            content.add(new ChatLogprobs.TokenLogprob(
                    pieces[t], s.tokenModelLogprobs()[t], ChatLogprobs.bytes(pieces[t]), tops));
            prev = s.tokens()[t];
        }
        return new ChatLogprobs(content, null);
    }
}
