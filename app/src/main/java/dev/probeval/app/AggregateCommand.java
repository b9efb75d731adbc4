package dev.probeval.app;

import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code probeval aggregate}: the Kafka Streams aggregator with its REST API, run until interrupted. */
@Command(name = "aggregate", mixinStandardHelpOptions = true,
    description = {"Run the streaming aggregator (Kafka Streams, exactly-once) until interrupted.",
        "Counts scored samples into per-prompt and per-model-version bounds, publishes them, and serves",
        "GET /api/v1/models, /api/v1/models/{version}/bounds, /api/v1/models/{version}/prompts/{promptId},",
        "/api/v1/requests/{requestId}, /metrics (Prometheus) and a dashboard page at /."})
final class AggregateCommand implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
      description = "Kafka cluster (default: ${DEFAULT-VALUE}, the `probeval broker` default).")
  String bootstrapServers;

  @Option(names = "--schema-registry-url", defaultValue = "http://127.0.0.1:8081",
      description = "Confluent-compatible schema registry (default: ${DEFAULT-VALUE}).")
  String schemaRegistryUrl;

  @Option(names = "--http-host", defaultValue = "127.0.0.1",
      description = "Interface the REST API binds; 0.0.0.0 serves other hosts (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--advertised-host",
      description = "Host other instances reach this one's REST API on (application.server; default: --http-host).")
  String advertisedHost;

  @Option(names = "--http-port", defaultValue = "8090", description = "REST port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Kafka Streams state directory (default: <probeval home>/data/aggregator).")
  Path stateDir;

  @Option(names = "--application-id", defaultValue = AggregatorConfig.DEFAULT_APPLICATION_ID,
      description = "Kafka Streams application id; instances sharing it split the work (default: ${DEFAULT-VALUE}).")
  String applicationId;

  @Option(names = "--partitions", defaultValue = "3",
      description = "Partitions of the probeval topics if the aggregator has to create them (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--emit-every", defaultValue = "10",
      description = "Emit a prompt's bounds every this many counted samples; 0: only at the target n and on the "
          + "interval (default: ${DEFAULT-VALUE}).")
  int emitEvery;

  @Option(names = "--emit-interval-ms", defaultValue = "1000",
      description = "Emit pending prompt updates at most this long after they happen; 0: off (default: ${DEFAULT-VALUE}).")
  long emitIntervalMs;

  @Option(names = "--model-emit-interval-ms", defaultValue = "1000",
      description = "Emit changed model roll-ups this often; 0: on every prompt update (default: ${DEFAULT-VALUE}).")
  long modelEmitIntervalMs;

  @Option(names = "--ed-lambda", defaultValue = "1.0",
      description = "Weight of M_sigma in M_ED = M_mu + lambda * M_sigma (default: ${DEFAULT-VALUE}).")
  double edLambda;

  @Option(names = "--threads", defaultValue = "1", description = "Stream threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
      description = "Any Kafka Streams or client property, repeatable (for example commit.interval.ms=200).")
  Map<String, String> streamsConfig;

  @Override
  public Integer call() throws Exception {
    if (httpPort < 0 || httpPort > 65535) {
      throw new UsageException("--http-port must be in 0..65535, got " + httpPort);
    }
    if (partitions < 1) {
      throw new UsageException("--partitions must be >= 1, got " + partitions);
    }
    if (emitEvery < 0 || emitIntervalMs < 0 || modelEmitIntervalMs < 0) {
      throw new UsageException("--emit-every, --emit-interval-ms and --model-emit-interval-ms must be >= 0");
    }
    if (!(edLambda >= 0) || Double.isInfinite(edLambda)) {
      throw new UsageException("--ed-lambda must be a finite number >= 0, got " + edLambda);
    }
    if (threads < 1) {
      throw new UsageException("--threads must be >= 1, got " + threads);
    }
    if (applicationId.isBlank()) {
      throw new UsageException("--application-id must not be empty");
    }
    if (!schemaRegistryUrl.startsWith("http://") && !schemaRegistryUrl.startsWith("https://")) {
      throw new UsageException("--schema-registry-url must be an http(s) URL, got " + schemaRegistryUrl);
    }
    Path dir = stateDir != null ? stateDir
        : Path.of(System.getProperty("probeval.home", "."), "data", "aggregator");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageException("--state-dir " + dir + " exists and is not a directory");
    }
    if (httpPort != 0) {
      BrokerCommand.requireFreePort(httpHost, httpPort, "--http-port");
    }
    Logging.quietKafka();
    AggregatorConfig.Builder b = AggregatorConfig.builder().applicationId(applicationId)
        .bootstrapServers(bootstrapServers).schemaRegistryUrl(schemaRegistryUrl).stateDir(dir)
        .httpHost(httpHost).httpPort(httpPort).partitions(partitions).emitEverySamples(emitEvery)
        .emitIntervalMs(emitIntervalMs).modelEmitIntervalMs(modelEmitIntervalMs).edLambda(edLambda)
        .streamsConfig("num.stream.threads", threads);
    if (advertisedHost != null) {
      b.advertisedHost(advertisedHost);
    }
    if (streamsConfig != null) {
      streamsConfig.forEach(b::streamsConfig);
    }
    Aggregator aggregator;
    try {
      aggregator = Aggregator.start(b.build());
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot start on Kafka at " + bootstrapServers + " (is `probeval broker` "
          + "running?): " + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      aggregator.close();
      stopped.countDown();
    }, "probeval-aggregate-shutdown"));
    System.out.println("probeval aggregate: " + applicationId + " on " + bootstrapServers + ", REST and dashboard on "
        + aggregator.httpUrl() + " (metrics at /metrics); Ctrl-C to stop");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
