package dev.probeval.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.sampling.Sample;
import dev.probeval.openai.CompletionRequest;
import dev.probeval.openai.CompletionResponse;
import dev.probeval.openai.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/completions}: the prompt as given; {@code logprobs} k for log-probabilities (k ≥ 1 adds the k most
 * likely tokens', keyed by their text). Stream chunks are completions objects holding a piece of one choice's text.
 */
final class CompletionsHandler extends ApiHandler {

    CompletionsHandler(LanguageModel model, String modelName) {
        super(model, modelName);
    }

    @Override
    String promptParam() {
        return "prompt";
    }

    @Override
    String idPrefix() {
        return "cmpl-";
    }

    @Override
    ServeRequest parse(JsonNode body, OpenAiServer.Limits limits) {
        CompletionRequest r = read(() -> CompletionRequest.fromJson(body));
        return check(
                r,
                r.prompt(),
                "max_tokens",
                r.maxTokens(),
                "logprobs",
                () -> r.logprobs() == null ? -1 : topLogprobs("logprobs", r.logprobs(), limits),
                limits);
    }

    @Override
    Object response(Call call, List<Sample> samples) {
        List<CompletionResponse.Choice> choices = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            CompletionResponse.Logprobs lp = call.req().wantsLogprobs()
                    ? logprobs(s, call.last(), call.req().logprobs())
                    : null;
            choices.add(new CompletionResponse.Choice(i, s.text(), lp, finishReason(s), stopReason(s, call)));
        }
        return CompletionResponse.of(call.id(), call.created(), modelName, choices, usage(call, samples), call.seed());
    }

    @Override
    List<Object> opening(Call call) {
        return List.of();
    }

    @Override
    Object piece(Call call, int index, String text) {
        return chunk(call, new CompletionResponse.Choice(index, text, null, null, null), null);
    }

    @Override
    Object end(Call call, int index, Sample sample) {
        return chunk(
                call,
                new CompletionResponse.Choice(index, "", null, finishReason(sample), stopReason(sample, call)),
                null);
    }

    @Override
    Object usage(Call call, Usage usage) {
        return CompletionResponse.of(call.id(), call.created(), modelName, List.of(), usage, null);
    }

    private CompletionResponse chunk(Call call, CompletionResponse.Choice choice, Usage usage) {
        return CompletionResponse.of(call.id(), call.created(), modelName, List.of(choice), usage, null);
    }

    private CompletionResponse.Logprobs logprobs(Sample s, int last, int k) {
        String[] pieces = tokenStrings(s.tokens(), last);
        List<String> tokens = List.of(pieces);
        List<Double> values = new ArrayList<>(pieces.length);
        List<Integer> offsets = new ArrayList<>(pieces.length);
        int offset = 0;
        for (int t = 0; t < pieces.length; t++) {
            values.add(s.tokenModelLogprobs()[t]);
            offsets.add(offset);
            offset += pieces[t].length();
        }
        List<Map<String, Double>> tops = null;
        if (k > 0) {
            tops = new ArrayList<>(pieces.length);
            int prev = last;
            for (int t = 0; t < pieces.length; t++) {
                // Keyed by text: two alternatives that decode alike keep the more likely one, which comes first.
                Map<String, Double> m = new LinkedHashMap<>();
                for (int j = 0; j < Math.min(k, s.topTokenIds()[t].length); j++) {
                    m.putIfAbsent(tokenString(s.topTokenIds()[t][j], prev), s.topTokenLogprobs()[t][j]);
                }
                tops.add(m);
                prev = s.tokens()[t];
            }
        }
        return new CompletionResponse.Logprobs(tokens, values, offsets, tops);
    }
}
