package dev.probeval.app;

import dev.probeval.model.CausalLm;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.serve.OpenAiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval serve}: a local model (llama2.c checkpoint or small-GPT / lab version directory) behind an
 * OpenAI-compatible HTTP API ({@link OpenAiServer}) until interrupted.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve a local model through OpenAI's completions API until interrupted.",
        "GET /v1/models, POST /v1/completions, POST /v1/chat/completions; all n choices of a call decode as one "
            + "batch, choice 0 of a call with seed S is seeded with S itself."})
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "PATH",
      description = "llama2.c checkpoint (.bin), a directory holding one checkpoint and its vocabulary, or a "
          + "small-GPT / lab version directory (with manifest.json)")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "llama2.c vocabulary file (default: tokenizer.bin beside the checkpoint, or the one tok*.bin)")
  Path tokenizer;

  @Option(names = "--model-name", paramLabel = "NAME",
      description = "the name clients pass as \"model\" (default: the checkpoint's file name without .bin, or the "
          + "directory's name)")
  String modelName;

  @Option(names = "--host", defaultValue = OpenAiServer.Builder.DEFAULT_HOST,
      description = "Interface to bind; 0.0.0.0 serves other hosts (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "" + OpenAiServer.Builder.DEFAULT_PORT,
      description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--max-n", defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_N, paramLabel = "N",
      description = "most choices (n) one call may ask for; more is a 400 (default: ${DEFAULT-VALUE})")
  int maxN;

  @Option(names = "--max-tokens", defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_TOKENS, paramLabel = "M",
      description = "largest max_tokens one call may ask for; more is a 400 (default: ${DEFAULT-VALUE})")
  int maxTokens;

  @Option(names = "--max-logprobs", defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_LOGPROBS, paramLabel = "K",
      description = "most top log-probabilities per token (logprobs / top_logprobs) (default: ${DEFAULT-VALUE})")
  int maxLogprobs;

  @Option(names = "--max-logprob-values", defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_LOGPROB_VALUES,
      paramLabel = "V", description = "most top log-probabilities one call may ask for in all, logprobs x max_tokens "
          + "x n; more is a 400 (default: ${DEFAULT-VALUE})")
  long maxLogprobValues;

  @Option(names = "--max-prompt-chars", paramLabel = "C",
      description = "longest prompt in characters (a chat call's after its template); longer is a 400 before it is "
          + "tokenized (default: " + OpenAiServer.Builder.PROMPT_CHARS_PER_CONTEXT_TOKEN
          + " per token of the model's context)")
  Integer maxPromptChars;

  @Option(names = "--max-queued-calls", defaultValue = "" + OpenAiServer.Builder.DEFAULT_MAX_QUEUED_CALLS,
      paramLabel = "N", description = "most calls waiting for or in a batch at once; one more is a 429 with "
          + "Retry-After (default: ${DEFAULT-VALUE})")
  int maxQueuedCalls;

  @Option(names = "--completion-threads", defaultValue = "" + OpenAiServer.Builder.DEFAULT_COMPLETION_THREADS,
      paramLabel = "T", description = "threads that tokenize prompts, stream and build responses, apart from the "
          + "HTTP threads that answer /health and /v1/models (default: ${DEFAULT-VALUE})")
  int completionThreads;

  @Option(names = "--api-key-env", paramLabel = "NAME",
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
      builder.maxN(maxN).maxTokens(maxTokens).maxLogprobs(maxLogprobs).maxLogprobValues(maxLogprobValues)
          .maxQueuedCalls(maxQueuedCalls).completionThreads(completionThreads);
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
      builder.host(host);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--host: " + e.getMessage());
    }
    try {
      builder.port(port);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--port: " + e.getMessage());
    }
    if (apiKeyEnv != null) {
      String key = environment(apiKeyEnv);
      if (key == null || key.isBlank()) {
        throw new UsageException("--api-key-env " + apiKeyEnv + ": that environment variable is not set or empty");
      }
      builder.apiKey(key);
    }
    Resolved r = resolve(model, tokenizer);
    String name = modelName != null ? modelName : r.defaultName();
    Cli.requireFreePort(host, port, "--port");
    CausalLm lm = open(r);
    return new ServiceLifecycle(ServiceLifecycle.RUNTIME).run(spec, "the server on " + host + ":" + port, () -> {
      OpenAiServer server;
      try {
        server = builder.model(lm).modelName(name).start();
      } catch (RuntimeException e) {
        lm.close();
        throw e;
      }
      return RunningService.closedOnRequest("probeval serve: " + name + " (" + lm.describe() + ") on "
          + server.url() + "/v1; Ctrl-C to stop", () -> {
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
    return spec.commandLine().getDefaultValueProvider() instanceof EnvironmentDefaults env ? env.variable(name)
        : System.getenv(name);
  }

  /** The files to open and the name to serve them under. */
  record Resolved(Path checkpoint, Path tokenizer, String defaultName) {}

  /**
   * Where the model is: a small-GPT directory as is; a directory without a manifest must hold one llama2.c
   * checkpoint (a {@code .bin} not named {@code tok*.bin}) and, unless given, its vocabulary ({@code tokenizer.bin}
   * or the one {@code tok*.bin}); a file is a checkpoint whose vocabulary is given or {@code tokenizer.bin} beside it.
   */
  static Resolved resolve(Path model, Path tokenizer) {
    if (!Files.exists(model)) {
      throw new UsageException("model not found: " + model);
    }
    if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
      throw new UsageException("tokenizer not found: " + tokenizer);
    }
    String dirName = model.toAbsolutePath().normalize().getFileName().toString();
    if (Files.isDirectory(model)) {
      if (GptModel.isModelDirectory(model)) {
        if (tokenizer != null) {
          throw new UsageException("--model " + model + " is a small-GPT directory, which carries its tokenizer: "
              + "drop --tokenizer");
        }
        return new Resolved(model, null, dirName);
      }
      List<Path> bins = list(model);
      List<Path> checkpoints = bins.stream().filter(p -> !isVocabulary(p)).toList();
      if (checkpoints.size() != 1) {
        throw new UsageException("--model " + model + " has no manifest.json and " + checkpoints.size()
            + " llama2.c checkpoints (.bin); name the checkpoint file instead");
      }
      Path tok = tokenizer;
      if (tok == null) {
        List<Path> vocabularies = bins.stream().filter(ServeCommand::isVocabulary).toList();
        Path named = model.resolve("tokenizer.bin");
        if (Files.isRegularFile(named)) {
          tok = named;
        } else if (vocabularies.size() == 1) {
          tok = vocabularies.get(0);
        } else {
          throw new UsageException("--model " + model + " holds " + vocabularies.size() + " vocabulary files "
              + "(tok*.bin); pass --tokenizer PATH");
        }
      }
      return new Resolved(checkpoints.get(0), tok, dirName);
    }
    Path tok = tokenizer != null ? tokenizer : model.resolveSibling("tokenizer.bin");
    if (!Files.isRegularFile(tok)) {
      throw new UsageException("llama2.c checkpoint " + model + " needs its vocabulary: pass --tokenizer PATH (or put "
          + "tokenizer.bin beside the checkpoint)");
    }
    return new Resolved(model, tok, dirName.endsWith(".bin") ? dirName.substring(0, dirName.length() - 4) : dirName);
  }

  private static boolean isVocabulary(Path p) {
    String n = p.getFileName().toString();
    return n.startsWith("tok");
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".bin")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CausalLm open(Resolved r) {
    try {
      return Models.open(r.checkpoint(), r.tokenizer());
    } catch (IOException | RuntimeException e) {
      throw new UsageException("cannot open model " + r.checkpoint() + ": " + Cli.oneLine(e.getMessage()));
    }
  }
}
