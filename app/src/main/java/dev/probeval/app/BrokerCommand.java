package dev.probeval.app;

import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.TopicAdmin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code probeval broker}: the embedded single-node KRaft broker, run in the foreground until interrupted. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = {"Run a single-node Kafka broker (KRaft, from the Maven classpath) until interrupted.",
        "Data persists in --data-dir: a restart keeps topics, records and offsets. Creates the probeval topics."})
final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Persistent data directory (default: <probeval home>/data/broker).")
  Path dataDir;

  @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", defaultValue = "0",
      description = "KRaft controller port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Interface to bind and advertise (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--create-topics", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Create the probeval topics if missing (default: ${DEFAULT-VALUE}).")
  boolean createTopics;

  @Option(names = "--partitions", defaultValue = "3",
      description = "Partitions of the probeval topics when created (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new UsageException("--port must be in 1..65535, got " + port);
    }
    if (controllerPort < 0 || controllerPort > 65535 || controllerPort == port) {
      throw new UsageException("--controller-port must be in 0..65535 and differ from --port, got " + controllerPort);
    }
    if (partitions < 1) {
      throw new UsageException("--partitions must be >= 1, got " + partitions);
    }
    Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("probeval.home", "."), "data", "broker");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageException("--data-dir " + dir + " exists and is not a directory");
    }
    requireFreePort(host, port, "--port");
    if (controllerPort != 0) {
      requireFreePort(host, controllerPort, "--controller-port");
    }
    Logging.quietKafka();

    EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).host(host).port(port).controllerPort(controllerPort)
        .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      kafka.close();
      stopped.countDown();
    }, "probeval-broker-shutdown"));
    if (createTopics) {
      try (Admin admin = kafka.admin()) {
        TopicAdmin.Result r = TopicAdmin.ensureTopics(admin, partitions, (short) 1);
        System.out.println("probeval broker: topics created " + r.created() + ", already present " + r.existing());
        r.partitionMismatches().forEach((t, n) -> System.err.println("probeval broker: warning: topic " + t
            + " has " + n + " partitions, not " + partitions));
      }
    }
    System.out.println("probeval broker: listening on " + kafka.bootstrapServers() + " (cluster " + kafka.clusterId()
        + ", data in " + dir.toAbsolutePath() + "); Ctrl-C to stop");
    System.out.flush();
    stopped.await();
    return 0;
  }

  static void requireFreePort(String host, int port, String option) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new UsageException(option + " " + port + " on " + host + " is not available (" + e.getMessage()
          + "); is another instance running? pick another with " + option);
    }
  }
}
