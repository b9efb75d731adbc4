package dev.probeval.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.FinishReason;
import dev.probeval.model.sampling.Sample;
import dev.probeval.openai.ErrorResponse;
import dev.probeval.openai.Finish;
import dev.probeval.openai.ProtocolException;
import dev.probeval.openai.SamplingRequest;
import dev.probeval.openai.Usage;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the completions and the chat completions API share, and what each must say for itself. A handler reads and
 * checks its API's request into a {@link ServeRequest}, and writes its API's response, stream chunks and usage from
 * the decoded samples; {@link OpenAiServing} runs the call in between, the same for both.
 */
abstract class ApiHandler {
    /** OpenAI's default {@code max_tokens} for the completions API; a chat call without one gets it too. */
    static final int DEFAULT_MAX_TOKENS = 16;
    /** OpenAI's error code for a prompt longer than the server takes. */
    static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
    /** The most stop strings one call may give (OpenAI allows 4; vLLM more). */
    static final int MAX_STOPS = 16;

    final LanguageModel model;
    final String modelName;

    ApiHandler(LanguageModel model, String modelName) {
        this.model = model;
        this.modelName = modelName;
    }

    /** The request field that holds the prompt ({@code prompt}, {@code messages}): errors about the prompt name it. */
    abstract String promptParam();

    /** The prefix of a response's id ({@code cmpl-}, {@code chatcmpl-}). */
    abstract String idPrefix();

    /** Reads and checks a request body against the server's limits; an {@link OpenAiError} names what is wrong. */
    abstract ServeRequest parse(JsonNode body, OpenAiServer.Limits limits);

    /** The non-streamed response. */
    abstract Object response(Call call, List<Sample> samples);

    /** The events a stream starts with, before any text (chat: each choice's role). */
    abstract List<Object> opening(Call call);

    /** The event that adds {@code text} to choice {@code index}. */
    abstract Object piece(Call call, int index, String text);

    /** The event that ends choice {@code index} with its finish and stop reasons. */
    abstract Object end(Call call, int index, Sample sample);

    /** The stream's last event before {@code [DONE]} when usage was asked for: usage and no choices. */
    abstract Object usage(Call call, Usage usage);

    /** Reads a request with its API's record, turning a protocol violation into a 400 naming the field. */
    static <T> T read(Supplier<T> reader) {
        try {
            return reader.get();
        } catch (ProtocolException e) {
            throw OpenAiError.of(e);
        }
    }

    /**
     * Checks what both APIs share against the server's limits, in the order a client's mistakes are reported: the
     * prompt's length (before it is tokenized), the parameters this server does not support, then each sampling
     * parameter, the token budget ({@code tokensField}), the stop strings, the log-probabilities ({@code logprobs}
     * checks its own API's fields and returns -1 for none), their volume, and streaming.
     */
    ServeRequest check(
            SamplingRequest r,
            String prompt,
            String tokensField,
            Integer maxTokensAsked,
            String logprobsParam,
            IntSupplier logprobs,
            OpenAiServer.Limits limits) {
        if (prompt.length() > limits.maxPromptChars()) {
            throw new OpenAiError(
                    400,
                    ErrorResponse.INVALID_REQUEST,
                    promptParam(),
                    CONTEXT_LENGTH_EXCEEDED,
                    "the prompt has " + prompt.length() + " characters; this server takes at most "
                            + limits.maxPromptChars() + " (the server's --max-prompt-chars)");
        }
        if (Boolean.TRUE.equals(r.echo())) {
            throw OpenAiError.invalid("echo", "echo is not supported: the response carries the continuation only");
        }
        if (r.suffix() != null) {
            throw OpenAiError.invalid("suffix", "suffix is not supported");
        }
        unsupportedUnlessZero("frequency_penalty", r.frequencyPenalty());
        unsupportedUnlessZero("presence_penalty", r.presencePenalty());
        if (r.logitBias() != null && !r.logitBias().isEmpty()) {
            throw OpenAiError.invalid("logit_bias", "logit_bias is not supported");
        }
        int n = r.n() == null ? 1 : r.n();
        if (n < 1 || n > limits.maxN()) {
            throw OpenAiError.invalid("n", "n must be in 1.." + limits.maxN() + " (the server's --max-n), got " + n);
        }
        if (r.bestOf() != null && r.bestOf() != n) {
            throw OpenAiError.invalid("best_of", "best_of is not supported (only equal to n)");
        }
        double temperature = r.temperature() == null ? 1.0 : r.temperature();
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw OpenAiError.invalid("temperature", "temperature must be a finite number >= 0, got " + temperature);
        }
        double topP = r.topP() == null ? 1.0 : r.topP();
        if (!(topP > 0 && topP <= 1)) {
            throw OpenAiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        int topK = r.topK() == null ? 0 : r.topK();
        if (topK < -1) {
            throw OpenAiError.invalid("top_k", "top_k must be -1 or 0 (off) or >= 1, got " + topK);
        }
        int maxTokens = maxTokensAsked == null ? DEFAULT_MAX_TOKENS : maxTokensAsked;
        if (maxTokens < 1 || maxTokens > limits.maxTokens()) {
            throw OpenAiError.invalid(
                    tokensField,
                    tokensField + " must be in 1.." + limits.maxTokens() + " (the server's --max-tokens), got "
                            + maxTokens);
        }
        List<String> stop = r.stop() == null ? List.of() : r.stop();
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw OpenAiError.invalid("stop", "stop strings must be non-empty");
        }
        if (stop.size() > MAX_STOPS) {
            throw OpenAiError.invalid("stop", "at most " + MAX_STOPS + " stop strings, got " + stop.size());
        }
        int lp = logprobs.getAsInt();
        long logprobValues = (long) Math.max(lp, 0) * maxTokens * n;
        if (logprobValues > limits.maxLogprobValues()) {
            throw OpenAiError.invalid(
                    logprobsParam,
                    logprobsParam + " x " + tokensField + " x n is " + logprobValues
                            + "; this server returns at most " + limits.maxLogprobValues()
                            + " top log-probabilities per call (the "
                            + "server's --max-logprob-values): ask for fewer");
        }
        boolean stream = Boolean.TRUE.equals(r.stream());
        boolean streamUsage = false;
        if (r.streamOptions() != null) {
            if (!stream) {
                throw OpenAiError.invalid("stream_options", "stream_options is only allowed with stream: true");
            }
            streamUsage = Boolean.TRUE.equals(r.streamOptions().includeUsage());
        }
        DecodingParams decoding = DecodingParams.builder()
                .optTemperature(temperature)
                .optTopP(topP)
                .optTopK(Math.max(topK, 0))
                .optMaxNewTokens(maxTokens)
                .optStopStrings(stop)
                .build();
        return new ServeRequest(r.model(), prompt, n, decoding, r.seed(), lp, stream, streamUsage);
    }

    private static void unsupportedUnlessZero(String param, Double value) {
        if (value != null && value != 0) {
            throw OpenAiError.invalid(param, param + " is not supported (only 0)");
        }
    }

    /** Checks {@code k} top log-probabilities per token against the server's limit, naming {@code param}. */
    static int topLogprobs(String param, int k, OpenAiServer.Limits limits) {
        if (k < 0 || k > limits.maxLogprobs()) {
            throw OpenAiError.invalid(
                    param,
                    param + " must be in 0.." + limits.maxLogprobs() + " (the server's " + "--max-logprobs), got " + k);
        }
        return k;
    }

    static String finishReason(Sample s) {
        return s.finish() == FinishReason.LENGTH ? Finish.LENGTH : Finish.STOP;
    }

    /** The stop string that ended the sample, or JSON null when it ended otherwise. */
    JsonNode stopReason(Sample s, Call call) {
        return Finish.stopReason(
                s.finish() == FinishReason.STOP
                        ? matchedStop(s, call.last(), call.req().decoding().stopStrings())
                        : null);
    }

    /** The stop string that ended the sample: the one found earliest in its decoded tokens. */
    private String matchedStop(Sample s, int last, List<String> stops) {
        String full = model.tokenizer().decode(s.tokens(), last);
        String best = null;
        int at = Integer.MAX_VALUE;
        for (String stop : stops) {
            int i = full.indexOf(stop);
            if (i >= 0 && i < at) {
                at = i;
                best = stop;
            }
        }
        return best;
    }

    /** The prompt's tokens and every generated token (the end token included) of all choices. */
    static Usage usage(Call call, List<Sample> samples) {
        long completionTokens = 0;
        for (Sample s : samples) {
            completionTokens += s.tokenCount();
        }
        return Usage.of(call.prompt().length, completionTokens);
    }

    /** Each generated token's own text (the end token's is empty). */
    String[] tokenStrings(int[] ids, int last) {
        String[] out = new String[ids.length];
        int prev = last;
        for (int t = 0; t < ids.length; t++) {
            out[t] = tokenString(ids[t], prev);
            prev = ids[t];
        }
        return out;
    }

    /** A token's text after {@code prev} (the end token's is empty). */
    String tokenString(int id, int prev) {
        for (int e : model.endTokenIds()) {
            if (e == id) {
                return "";
            }
        }
        return model.tokenizer().decode(new int[] {id}, prev);
    }
}
