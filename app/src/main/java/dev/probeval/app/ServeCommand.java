package dev.probeval.app;

import dev.probeval.model.LanguageModel;
import dev.probeval.model.backend.ModelLocation;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.serve.OpenAiServer;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval serve}: a local model (llama2.c checkpoint or small-GPT / lab version directory) behind an
 * OpenAI-compatible HTTP API ({@link OpenAiServer}) until interrupted.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve a local model through OpenAI's completions API until interrupted.",
            "GET /v1/models, POST /v1/completions, POST /v1/chat/completions; all n choices of a call decode as one "
                    + "batch, choice 0 of a call with seed S is seeded with S itself."
        })
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ModelOptions model;

    @Option(
            names = "--model-name",
            paramLabel = "NAME",
            description =
                    "the name clients pass as \"model\" (default: the checkpoint's file name without .bin, or the "
                            + "directory's name)")
    String modelName;

    @Mixin
    ListenOptions listen = new ListenOptions(OpenAiServer.Builder.DEFAULT_HOST, OpenAiServer.Builder.DEFAULT_PORT);

    @Option(
            names = "--max-n",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_N,
            paramLabel = "N",
            description = "most choices (n) one call may ask for; more is a 400 (default: ${DEFAULT-VALUE})")
    int maxN;

    @Option(
            names = "--max-tokens",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_TOKENS,
            paramLabel = "M",
            description = "largest max_tokens one call may ask for; more is a 400 (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(
            names = "--max-logprobs",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_LOGPROBS,
            paramLabel = "K",
            description = "most top log-probabilities per token (logprobs / top_logprobs) (default: ${DEFAULT-VALUE})")
    int maxLogprobs;

    @Option(
            names = "--max-logprob-values",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_LOGPROB_VALUES,
            paramLabel = "V",
            description = "most top log-probabilities one call may ask for in all, logprobs x max_tokens "
                    + "x n; more is a 400 (default: ${DEFAULT-VALUE})")
    long maxLogprobValues;

    @Option(
            names = "--max-prompt-chars",
            paramLabel = "C",
            description =
                    "longest prompt in characters (a chat call's after its template); longer is a 400 before it is "
                            + "tokenized (default: " + OpenAiServer.Builder.PROMPT_CHARS_PER_CONTEXT_TOKEN
                            + " per token of the model's context)")
    Integer maxPromptChars;

    @Option(
            names = "--max-queued-calls",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_QUEUED_CALLS,
            paramLabel = "N",
            description = "most calls waiting for or in a batch at once; one more is a 429 with "
                    + "Retry-After (default: ${DEFAULT-VALUE})")
    int maxQueuedCalls;

    @Option(
            names = "--completion-threads",
            defaultValue = "" + OpenAiServer.Builder.DEFAULT_COMPLETION_THREADS,
            paramLabel = "T",
            description = "threads that tokenize prompts, stream and build responses, apart from the "
                    + "HTTP threads that answer /health and /v1/models (default: ${DEFAULT-VALUE})")
    int completionThreads;

    @Option(
            names = "--api-key-env",
            paramLabel = "NAME",
            description = "environment variable holding an API key: every /v1/* call must then send Authorization: "
                    + "Bearer <key> (else 401); /health stays open (default: no key)")
    String apiKeyEnv;

    @Override
    public Integer call() {
        // Before the model loads (DJL reads the thread count once): this service shares its process with Kafka clients
        // and HTTP threads, so PyTorch keeps off one core (PyTorchThreads).
        PyTorchThreads.applyDefault();
        // Every setting is checked before the model loads; the builder holds the ranges and names the option.
        OpenAiServer.Builder builder = OpenAiServer.builder();
        try {
            builder.maxN(maxN)
                    .maxTokens(maxTokens)
                    .maxLogprobs(maxLogprobs)
                    .maxLogprobValues(maxLogprobValues)
                    .maxQueuedCalls(maxQueuedCalls)
                    .completionThreads(completionThreads);
            if (maxPromptChars != null) {
                builder.maxPromptChars(maxPromptChars);
            }
            if (modelName != null) {
                builder.modelName(modelName);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            builder.host(listen.host);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--host: " + e.getMessage());
        }
        try {
            builder.port(listen.port);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--port: " + e.getMessage());
        }
        if (apiKeyEnv != null) {
            String key = environment(apiKeyEnv);
            if (key == null || key.isBlank()) {
                throw new UsageException(
                        "--api-key-env " + apiKeyEnv + ": that environment variable is not set or empty");
            }
            builder.apiKey(key);
        }
        ModelLocation r = model.location();
        String name = modelName != null ? modelName : r.defaultName();
        listen.requireFree();
        LanguageModel lm = open(r, engine.engine());
        return new ServiceLifecycle(ServiceLifecycle.RUNTIME)
                .run(spec, "the server on " + listen.host + ":" + listen.port, () -> {
                    OpenAiServer server;
                    try {
                        server = builder.model(lm).modelName(name).start();
                    } catch (RuntimeException e) {
                        lm.close();
                        throw e;
                    }
                    return RunningService.closedOnRequest(
                            "probeval serve: " + name + " (" + lm.describe() + ") on " + server.url()
                                    + "/v1; Ctrl-C to stop",
                            () -> {
                                try {
                                    server.close();
                                } finally {
                                    lm.close();
                                }
                            });
                });
    }

    /** A variable of the environment the command line reads its defaults from (a test's map, or the process's). */
    private String environment(String name) {
        return spec.commandLine().getDefaultValueProvider() instanceof EnvironmentDefaults env
                ? env.variable(name)
                : System.getenv(name);
    }

    private static LanguageModel open(ModelLocation r, dev.probeval.model.backend.Engine engine) {
        try {
            return Models.open(r, engine);
        } catch (IOException | RuntimeException e) {
            throw new UsageException("cannot open model " + r.checkpoint() + ": " + Cli.oneLine(e.getMessage()));
        }
    }
}
