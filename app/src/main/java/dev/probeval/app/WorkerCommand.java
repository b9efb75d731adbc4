package dev.probeval.app;

import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code probeval worker}: the sampler worker, run until interrupted. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a sampler worker until interrupted: consume evaluation requests in a consumer group, draw",
        "the greedy baseline and n samples per request in chunks with a configured model, score them and produce",
        "scored samples, one Kafka transaction per chunk (samples + offset + resume progress).",
        "Start more workers with the same --group-id to scale; give each a stable --worker-id."})
final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
      description = "Kafka cluster (default: ${DEFAULT-VALUE}, the `probeval broker` default).")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", defaultValue = "http://127.0.0.1:8081",
      description = "Confluent-compatible schema registry (default: ${DEFAULT-VALUE}).")
  String schemaRegistryUrl;

  @Option(names = "--model", paramLabel = "VERSION=PATH[,tokenizer=PATH]",
      description = "A model version this worker serves and its llama2.c checkpoint (.bin, with its vocabulary) or "
          + "small-GPT directory; repeatable. Requests for other versions are dead-lettered.")
  List<String> models = new ArrayList<>();

  @Option(names = "--models-file", paramLabel = "FILE",
      description = "File with one VERSION=PATH[,tokenizer=PATH] per line (# comments; paths relative to the file).")
  Path modelsFile;

  @Option(names = "--chunk-size", defaultValue = "" + WorkerConfig.DEFAULT_CHUNK_SIZE, paramLabel = "N",
      description = "Samples drawn per chunk and per transaction (default: ${DEFAULT-VALUE}).")
  int chunkSize;

  @Option(names = "--worker-id", paramLabel = "ID",
      description = "Stable id of this worker slot (transactional id probeval-worker-ID); a restart with the same "
          + "id fences its predecessor at once (default: <host>-<pid>).")
  String workerId;

  @Option(names = "--group-id", defaultValue = WorkerConfig.DEFAULT_GROUP_ID, paramLabel = "GROUP",
      description = "Consumer group; workers sharing it split the request partitions (default: ${DEFAULT-VALUE}).")
  String groupId;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve Prometheus metrics on http://<metrics-host>:PORT/metrics (default: off).")
  Integer metricsPort;

  @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
      description = "Interface of the metrics endpoint (default: ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(names = "--max-new-tokens-limit", defaultValue = "4096", paramLabel = "M",
      description = "Largest decoding.maxNewTokens accepted; larger requests are dead-lettered (default: ${DEFAULT-VALUE}).")
  int maxNewTokensLimit;

  @Option(names = "--max-samples-limit", defaultValue = "1000000", paramLabel = "N",
      description = "Largest numSamples accepted (default: ${DEFAULT-VALUE}).")
  int maxSamplesLimit;

  @Option(names = "--partitions", defaultValue = "3",
      description = "Partitions of the probeval topics if the worker has to create them; 0: never create "
          + "(default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--transaction-timeout-ms", defaultValue = "60000",
      description = "transaction.timeout.ms of the producer: a chunk must finish within it (default: ${DEFAULT-VALUE}).")
  int transactionTimeoutMs;

  @Option(names = "--preload", description = "Open every configured model at start instead of on first use.")
  boolean preload;

  @Option(names = "--kafka-config", paramLabel = "KEY=VALUE",
      description = "Any Kafka client property for the worker's consumer and producer, repeatable (for example "
          + "security.protocol=SSL); the settings exactly-once needs cannot be overridden.")
  Map<String, String> kafkaConfig;

  @Override
  public Integer call() throws Exception {
    WorkerConfig config = validate();
    Logging.quietKafka();
    SamplerWorker worker;
    try {
      worker = SamplerWorker.start(config);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot start on Kafka at " + bootstrapServers + " (is `probeval broker` "
          + "running?): " + e.getMessage(), e);
    }
    Thread hook = new Thread(worker::close, "probeval-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.println("probeval worker: " + config.workerId() + " in group " + config.groupId() + " on "
        + bootstrapServers + ", models " + config.catalog().versions()
        + (worker.metricsPort() >= 0 ? ", metrics at http://" + metricsHost + ":" + worker.metricsPort()
            + "/metrics" : "") + "; Ctrl-C to stop");
    System.out.flush();
    while (!worker.awaitStopped(Duration.ofSeconds(1))) {
      // wait for Ctrl-C (the hook closes the worker) or a fatal error
    }
    if (worker.failure().isPresent()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // already shutting down
      }
      Throwable t = worker.failure().get();
      spec.commandLine().getErr().println("probeval worker: error: " + t);
      return 1;
    }
    return 0;
  }

  WorkerConfig validate() {
    List<ModelSpec> specs = new ArrayList<>();
    try {
      if (modelsFile != null) {
        if (!Files.isRegularFile(modelsFile)) {
          throw new UsageException("--models-file not found: " + modelsFile);
        }
        specs.addAll(ModelCatalog.readFile(modelsFile));
      }
      for (String m : models) {
        specs.add(ModelCatalog.parseEntry(m, null));
      }
    } catch (IOException e) {
      throw new UsageException("cannot read --models-file " + modelsFile + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (specs.isEmpty()) {
      throw new UsageException("no model configured: pass --model VERSION=PATH[,tokenizer=PATH] or --models-file");
    }
    ModelCatalog catalog;
    try {
      catalog = ModelCatalog.of(specs);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    for (ModelSpec s : catalog.specs()) {
      if (!Files.exists(s.path())) {
        throw new UsageException("model " + s.version() + ": " + s.path() + " not found");
      }
      if (s.tokenizer() != null && !Files.isRegularFile(s.tokenizer())) {
        throw new UsageException("model " + s.version() + ": tokenizer " + s.tokenizer() + " not found");
      }
    }
    if (chunkSize < 1) {
      throw new UsageException("--chunk-size must be >= 1, got " + chunkSize);
    }
    if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
      throw new UsageException("--metrics-port must be in 0..65535, got " + metricsPort);
    }
    if (maxNewTokensLimit < 1 || maxSamplesLimit < 1) {
      throw new UsageException("--max-new-tokens-limit and --max-samples-limit must be >= 1");
    }
    if (partitions < 0) {
      throw new UsageException("--partitions must be >= 0, got " + partitions);
    }
    if (transactionTimeoutMs < 1000) {
      throw new UsageException("--transaction-timeout-ms must be >= 1000, got " + transactionTimeoutMs);
    }
    if (!schemaRegistryUrl.startsWith("http://") && !schemaRegistryUrl.startsWith("https://")) {
      throw new UsageException("--schema-registry-url must be an http(s) URL, got " + schemaRegistryUrl);
    }
    WorkerConfig.Builder b = WorkerConfig.builder().setBootstrapServers(bootstrapServers)
        .setSchemaRegistryUrl(schemaRegistryUrl).setModels(catalog).optChunkSize(chunkSize)
        .optMaxNewTokensLimit(maxNewTokensLimit).optMaxSamplesLimit(maxSamplesLimit)
        .optTransactionTimeoutMs(transactionTimeoutMs).optCreateTopics(partitions, (short) 1)
        .optPreloadModels(preload);
    try {
      b.optGroupId(groupId);
      if (workerId != null) {
        b.optWorkerId(workerId);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException((workerId != null && e.getMessage().startsWith("worker") ? "--worker-id: "
          : "--group-id: ") + e.getMessage());
    }
    if (metricsPort != null) {
      if (metricsPort != 0) {
        BrokerCommand.requireFreePort(metricsHost, metricsPort, "--metrics-port");
      }
      b.optMetricsEndpoint(metricsHost, metricsPort);
    }
    if (kafkaConfig != null) {
      kafkaConfig.forEach((k, v) -> {
        b.optConsumerConfig(k, v);
        b.optProducerConfig(k, v);
      });
    }
    return b.build();
  }
}
