package dev.probeval.app;

import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.server.SchemaRegistryServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code probeval registry}: the Confluent-compatible schema registry, run in the foreground until interrupted. */
@Command(name = "registry", mixinStandardHelpOptions = true,
    description = {"Run a schema registry speaking Confluent's REST API until interrupted.",
        "Schemas live in a compacted Kafka topic, so ids survive restarts."})
final class RegistryCommand implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092",
      description = "Kafka cluster holding the schema topic (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(names = "--port", defaultValue = "8081", description = "HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Interface to bind; 0.0.0.0 serves other hosts (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--topic", defaultValue = SchemaRegistryServer.DEFAULT_TOPIC,
      description = "Compacted topic holding the schemas (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--replication-factor", defaultValue = "1",
      description = "Replication factor of the schema topic when created (default: ${DEFAULT-VALUE}).")
  short replicationFactor;

  @Option(names = "--compatibility", defaultValue = "BACKWARD",
      description = "Global compatibility level until one is set through PUT /config: ${COMPLETION-CANDIDATES} "
          + "(default: ${DEFAULT-VALUE}).")
  CompatibilityLevel compatibility;

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new UsageException("--port must be in 1..65535, got " + port);
    }
    if (replicationFactor < 1) {
      throw new UsageException("--replication-factor must be >= 1, got " + replicationFactor);
    }
    if (topic.isBlank()) {
      throw new UsageException("--topic must not be empty");
    }
    BrokerCommand.requireFreePort(host, port, "--port");
    Logging.quietKafka();

    SchemaRegistryServer server;
    try {
      server = SchemaRegistryServer.builder().bootstrapServers(bootstrapServers).host(host).port(port).topic(topic)
          .replicationFactor(replicationFactor).defaultCompatibility(compatibility).start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot start on Kafka at " + bootstrapServers + " (is `probeval broker` "
          + "running?): " + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "probeval-registry-shutdown"));
    System.out.println("probeval registry: listening on " + server.url() + " (schemas in topic " + topic + " on "
        + bootstrapServers + "); Ctrl-C to stop");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
