package dev.probeval.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.http.WebServer;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.sampling.SamplingEngine;
import dev.probeval.openai.ModelList;
import java.util.Objects;

/**
 * A local model behind OpenAI's completions API: {@code GET /v1/models}, {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions} (and {@code GET /health}, 200 once started, as vLLM has). Every call decodes its {@code n} choices as one batch on the
 * {@link SamplingEngine}; one decoder thread runs the model, and concurrent calls with the same prompt and decoding
 * parameters are merged into one batch (see {@link BatchingDecoder}), which changes their speed, never their text.
 *
 * <p><b>Seeding.</b> Choice {@code i} of a call with {@code seed} s draws with the engine's RNG seeded
 * {@link #rowSeed(long, int) rowSeed(s, i)}: choice 0 uses s itself, choice i ≥ 1 uses
 * {@code SampleIds.sampleSeed(s, "serve", i)}. So a call with {@code n = 1} and {@code seed =
 * SampleIds.sampleSeed(base, request, i)} decodes exactly the row the in-process worker decodes for sample i of that
 * request, and reproduces it token for token. Without a seed the server draws one at random and reports it in the
 * {@code X-Probeval-Seed} response header (and, non-streamed, in a top-level {@code seed} field), so the call can be
 * repeated. {@code temperature 0} decodes greedily, as the in-process greedy baseline does.
 *
 * <p><b>Chat template.</b> One message: its content is the prompt, as is (so a chat call with one user message
 * equals a completions call with that prompt). Several: one line {@code "role: content\n"} per message, then
 * {@code "assistant: "}.
 *
 * <p><b>Responses.</b> Choices report OpenAI's {@code finish_reason} ({@code stop} for the end token or a stop
 * string, {@code length} for the token budget or the context) and, as vLLM does, a {@code stop_reason}: the stop
 * string that ended the choice, or null. With {@code logprobs} k (completions) or {@code logprobs: true} and
 * {@code top_logprobs} k (chat) each generated token (the end token included, as the empty string) carries its
 * log-probability under the untempered model distribution and the k most likely tokens'; {@code text_offset} counts
 * from the start of the completion. {@code usage} counts the prompt's tokens (BOS included) and every generated token
 * (the end token included). Streaming ({@code stream: true}) sends server-sent events as the batch decodes: a piece
 * of text is sent once no later token can change it (a tail that may still become a stop string waits), each choice
 * ends with a chunk carrying its {@code finish_reason}, {@code stream_options.include_usage} adds a last chunk with
 * usage and no choices, and {@code data: [DONE]} closes the stream; the pieces of a choice concatenate to exactly
 * the non-streamed text of the same call.
 *
 * <p><b>Guards.</b> Every refusal comes before the work it would bound, in OpenAI's error shape. With an API key
 * ({@link Builder#apiKey}) every {@code /v1/*} call needs {@code Authorization: Bearer <key>} (else 401,
 * {@code invalid_api_key}); {@code /health} stays open. A POST must be JSON ({@code Content-Type: application/json},
 * optionally {@code ; charset=utf-8}), else 415 before its body is read, so a cross-site form or {@code text/plain}
 * post does nothing. {@code n}, {@code max_tokens}, the number of top log-probabilities and their product
 * {@code logprobs × max_tokens × n} are capped (see {@link Builder}), a larger value is a 400 naming the parameter;
 * a prompt over {@link Builder#maxPromptChars} characters is a 400 ({@code context_length_exceeded}) before it is
 * tokenized, and one over the model's context in tokens is one before any decoding. The token budget is further
 * cut to what the context leaves after the prompt (the choice then ends with {@code length}). Values of the client's
 * quoted in an error are cut short ({@code Texts.clip}).
 *
 * <p><b>Threads.</b> The HTTP threads only check and parse a call: tokenizing, streaming and building the response
 * run on a pool of {@link Builder#completionThreads} threads, and decoding on the decoder's one, so completions never
 * hold the HTTP threads that {@code /health} and {@code /v1/models} need. At most {@link Builder#maxQueuedCalls}
 * calls wait or decode at once (on the pool's queue or the decoder's); one more is a 429 with {@code Retry-After: 1}.
 * A call whose client closes its connection is withdrawn: the server looks at each waiting call's connection every
 * {@value #WATCH_MS} ms, and a streamed call also notices when a write fails; a withdrawn call is dropped from the
 * queue, and a batch whose every call is withdrawn stops between two steps.
 */
public final class OpenAiServer implements AutoCloseable {
    /** Response header that reports the seed a call was decoded with. */
    public static final String SEED_HEADER = "X-Probeval-Seed";
    /** Seed-mixing name of choices i ≥ 1: see {@link #rowSeed}. */
    public static final String ROW_SEED_NAME = "serve";

    /** How often the server looks whether the clients of waiting calls are still connected. */
    static final long WATCH_MS = 100;

    private final String modelName;
    private final Limits limits;
    private final OpenAiServing serving;
    private final WebServer server;

    /**
     * What one call may ask for, as the server was built ({@link Builder} holds the defaults and the range checks).
     *
     * @param maxN the most choices per call
     * @param maxTokens the largest {@code max_tokens}
     * @param maxLogprobs the most top log-probabilities per token ({@code logprobs} / {@code top_logprobs})
     * @param maxLogprobValues the most top log-probabilities per call, {@code logprobs × max_tokens × n}
     * @param maxPromptChars the longest prompt in characters (a chat call's after its template)
     */
    public record Limits(int maxN, int maxTokens, int maxLogprobs, long maxLogprobValues, int maxPromptChars) {}

    private OpenAiServer(Builder b) {
        LanguageModel model = Objects.requireNonNull(b.model, "a server needs a model: Builder.model(...)");
        this.modelName = b.modelName != null ? b.modelName : model.describe();
        this.limits = new Limits(
                b.maxN,
                b.maxTokens,
                b.maxLogprobs,
                b.maxLogprobValues,
                b.maxPromptChars > 0 ? b.maxPromptChars : Builder.defaultMaxPromptChars(model));
        ObjectMapper mapper = new ObjectMapper();
        this.serving = new OpenAiServing(model, modelName, limits, b.maxQueuedCalls, b.completionThreads, mapper);
        Routes routes = new Routes(
                serving,
                new CompletionsHandler(model, modelName),
                new ChatHandler(model, modelName),
                ModelList.Model.of(modelName, System.currentTimeMillis() / 1000, "probeval", model.maxContext()),
                b.apiKey);
        try {
            this.server = WebServer.builder("serve")
                    .host(b.host)
                    .port(b.port)
                    .jsonMapper(mapper)
                    .errorShape(OpenAiError.SHAPE)
                    .maxRequestBytes(8L << 20)
                    .maxThreads(b.maxThreads)
                    .routes(routes::register)
                    .start();
        } catch (RuntimeException e) {
            serving.close();
            throw e;
        }
    }

    /** A builder; give it the model before {@link Builder#start()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder serving {@code model} (not owned: close the model after the server). */
    public static Builder builder(LanguageModel model) {
        return new Builder().model(model);
    }

    /**
     * Serves {@code model} under {@code modelName} on {@code host:port} (0 = a free port) with the default limits. The
     * server does not own the model: close the model after the server.
     */
    public static OpenAiServer start(LanguageModel model, String modelName, String host, int port) {
        return builder(model).modelName(modelName).host(host).port(port).start();
    }

    /**
     * The RNG seed of choice {@code index} of a call with {@code seed}: {@code seed} itself for choice 0,
     * {@code SampleIds.sampleSeed(seed, "serve", index)} for the others.
     */
    public static long rowSeed(long seed, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("choice index must be >= 0, got " + index);
        }
        return index == 0 ? seed : SampleIds.sampleSeed(seed, ROW_SEED_NAME, index);
    }

    /** {@code http://host:port}, without {@code /v1}. */
    public String url() {
        return server.url();
    }

    public int port() {
        return server.port();
    }

    /** Calls admitted and not yet answered: waiting for their batch or in it. */
    int queuedCalls() {
        return serving.queuedCalls();
    }

    /** The name clients pass as {@code model}. */
    public String modelName() {
        return modelName;
    }

    public Limits limits() {
        return limits;
    }

    /** Stops accepting calls, lets those in flight finish (a few seconds at most), then stops the decoder. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            serving.close();
        }
    }

    /**
     * Configures and starts an {@link OpenAiServer}. Every setting is also an option of {@code probeval serve}, which
     * takes its defaults from the constants here, and a setter's range error names that option.
     */
    public static final class Builder {
        /** Interface bound by default: this host only. */
        public static final String DEFAULT_HOST = "127.0.0.1";

        public static final int DEFAULT_PORT = 8000;
        /** Default HTTP threads. */
        public static final int DEFAULT_MAX_THREADS = 64;
        /** Default {@link #maxQueuedCalls}. */
        public static final int DEFAULT_MAX_QUEUED_CALLS = 1024;
        /** Default {@link #completionThreads}. */
        public static final int DEFAULT_COMPLETION_THREADS = 32;
        /** Default {@link #maxN}. */
        public static final int DEFAULT_MAX_N = 256;
        /** Default {@link #maxTokens}. */
        public static final int DEFAULT_MAX_TOKENS = 1024;
        /** Default {@link #maxLogprobs}. */
        public static final int DEFAULT_MAX_LOGPROBS = 20;
        /**
         * Default {@link #maxLogprobValues}: 2^18, a response of about 15 MB of top log-probabilities at most (e.g. 16
         * choices of 1024 tokens with 16 each).
         */
        public static final long DEFAULT_MAX_LOGPROB_VALUES = 262_144;
        /**
         * Default {@link #maxPromptChars}, per token of the model's context: a longer prompt fits the context only if its
         * pieces average more than this many characters, which no piece of these vocabularies has (stories260K's at most
         * 7 bytes, Llama 2's about 16 characters); so the check refuses what the token check would, without tokenizing.
         */
        public static final int PROMPT_CHARS_PER_CONTEXT_TOKEN = 16;

        private LanguageModel model;
        private String modelName;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int maxThreads = DEFAULT_MAX_THREADS;
        private int maxQueuedCalls = DEFAULT_MAX_QUEUED_CALLS;
        private int completionThreads = DEFAULT_COMPLETION_THREADS;
        private int maxN = DEFAULT_MAX_N;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private int maxLogprobs = DEFAULT_MAX_LOGPROBS;
        private long maxLogprobValues = DEFAULT_MAX_LOGPROB_VALUES;
        /** 0: {@link #defaultMaxPromptChars} of the model. */
        private int maxPromptChars;

        private String apiKey;

        private Builder() {}

        /** {@link #PROMPT_CHARS_PER_CONTEXT_TOKEN} characters per token of {@code model}'s context. */
        public static int defaultMaxPromptChars(LanguageModel model) {
            return (int) Math.min(Integer.MAX_VALUE, (long) PROMPT_CHARS_PER_CONTEXT_TOKEN * model.maxContext());
        }

        /** The model to serve (not owned: close it after the server). */
        public Builder model(LanguageModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The name clients pass as {@code model} and {@code /v1/models} lists (default: the model's description). */
        public Builder modelName(String modelName) {
            if (modelName == null || modelName.isBlank()) {
                throw new IllegalArgumentException("--model-name must not be empty");
            }
            this.modelName = modelName;
            return this;
        }

        /** Interface to bind (default 127.0.0.1: this host only). */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be empty");
            }
            this.host = host;
            return this;
        }

        /** Port, 0..65535; 0 = a free one (default 8000). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Most calls waiting for or in a batch at once (default 1024); one more is a 429 with {@code Retry-After: 1}.
         * Calls wait without holding an HTTP thread, so this, not {@link #maxThreads}, bounds how many wait.
         */
        public Builder maxQueuedCalls(int maxQueuedCalls) {
            this.maxQueuedCalls = atLeast("--max-queued-calls", maxQueuedCalls, 1);
            return this;
        }

        /**
         * HTTP threads (default 64): they check and parse calls and answer {@code /health} and {@code /v1/models}; a
         * completion gives its thread back once parsed.
         */
        public Builder maxThreads(int maxThreads) {
            this.maxThreads = atLeast("max threads", maxThreads, 4);
            return this;
        }

        /**
         * Threads that tokenize prompts, build responses and stream (default 32); a streamed call holds one while it
         * streams, and calls beyond them wait in the queue that {@link #maxQueuedCalls} bounds.
         */
        public Builder completionThreads(int completionThreads) {
            this.completionThreads = atLeast("--completion-threads", completionThreads, 1);
            return this;
        }

        /** Most choices ({@code n}) per call (default 256). */
        public Builder maxN(int maxN) {
            this.maxN = atLeast("--max-n", maxN, 1);
            return this;
        }

        /** Largest {@code max_tokens} (default 1024). */
        public Builder maxTokens(int maxTokens) {
            this.maxTokens = atLeast("--max-tokens", maxTokens, 1);
            return this;
        }

        /** Most top log-probabilities per token, {@code logprobs} / {@code top_logprobs} (default 20). */
        public Builder maxLogprobs(int maxLogprobs) {
            this.maxLogprobs = atLeast("--max-logprobs", maxLogprobs, 0);
            return this;
        }

        /**
         * Most top log-probabilities one call may ask for in all, {@code logprobs × max_tokens × n} (default
         * {@value #DEFAULT_MAX_LOGPROB_VALUES}); a call asking for more is a 400 before any work.
         */
        public Builder maxLogprobValues(long maxLogprobValues) {
            if (maxLogprobValues < 1) {
                throw new IllegalArgumentException("--max-logprob-values must be >= 1, got " + maxLogprobValues);
            }
            this.maxLogprobValues = maxLogprobValues;
            return this;
        }

        /**
         * Longest prompt in characters (a chat call's after its template); a longer one is a 400 before it is tokenized
         * (default: {@link #PROMPT_CHARS_PER_CONTEXT_TOKEN} per token of the model's context).
         */
        public Builder maxPromptChars(int maxPromptChars) {
            this.maxPromptChars = atLeast("--max-prompt-chars", maxPromptChars, 1);
            return this;
        }

        /**
         * The key every {@code /v1/*} call must send as {@code Authorization: Bearer <key>} (default: none, no key
         * needed); {@code /health} stays open.
         */
        public Builder apiKey(String apiKey) {
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalArgumentException("the API key must not be empty");
            }
            this.apiKey = apiKey.strip();
            return this;
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
            }
            return value;
        }

        /** Binds and starts; {@link IllegalStateException} naming host and port when it cannot bind. */
        public OpenAiServer start() {
            return new OpenAiServer(this);
        }
    }
}
