package dev.probeval.app;

import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code probeval broker}: the embedded single-node KRaft broker, run in the foreground until interrupted. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = {
            "Run a single-node Kafka broker (KRaft, from the Maven classpath) until interrupted.",
            "Data persists in --data-dir: a restart keeps topics, records and offsets.",
            "Creates the probeval topics, one replica each (the broker is one node)."
        })
final class BrokerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TopicOptions topics;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Persistent data directory (default: <probeval home>/data/broker).")
    Path dataDir;

    @Option(
            names = "--port",
            defaultValue = "" + KafkaServiceConfig.DEFAULT_BROKER_PORT,
            description = "Client port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--controller-port",
            defaultValue = "" + EmbeddedKafka.ANY_PORT,
            description = "KRaft controller port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(
            names = "--host",
            defaultValue = KafkaServiceConfig.DEFAULT_HOST,
            description = "Interface to bind and advertise (default: ${DEFAULT-VALUE}).")
    String host;

    @Override
    public Integer call() {
        Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("probeval.home", "."), "data", "broker");
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--data-dir " + dir + " exists and is not a directory");
        }
        EmbeddedKafka.Builder b = EmbeddedKafka.builder().dataDir(dir);
        Cli.option("--host", () -> b.host(host));
        Cli.option("--port", () -> b.port(port));
        Cli.option("--controller-port", () -> b.controllerPort(controllerPort));
        if (controllerPort != 0 && controllerPort == port) {
            throw new UsageException("--controller-port must differ from --port, both are " + port);
        }
        // EmbeddedKafka has no topic settings and TopicAdmin would refuse this only once the broker is up: the shared
        // settings check it now.
        topics.applyTo(KafkaServiceConfig.builder());
        Cli.requireFreePort(host, port, "--port");
        Cli.requireFreePort(host, controllerPort, "--controller-port");
        return new ServiceLifecycle(ServiceLifecycle.RUNTIME)
                .run(spec, "a broker on " + host + ":" + port, () -> start(b, dir));
    }

    private RunningService start(EmbeddedKafka.Builder b, Path dir) {
        EmbeddedKafka kafka = b.build();
        StringBuilder ready = new StringBuilder();
        if (topics.createTopics) {
            try (Admin admin = kafka.admin()) {
                TopicAdmin.Result r = TopicAdmin.ensureTopics(admin, topics.partitions, (short) 1);
                ready.append("probeval broker: topics created ")
                        .append(r.created())
                        .append(", already present ")
                        .append(r.existing())
                        .append('\n');
                r.partitionMismatches()
                        .forEach((t, n) -> ready.append("probeval broker: warning: topic ")
                                .append(t)
                                .append(" has ")
                                .append(n)
                                .append(" partitions, not ")
                                .append(topics.partitions)
                                .append('\n'));
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
        }
        ready.append("probeval broker: listening on ")
                .append(kafka.bootstrapServers())
                .append(" (cluster ")
                .append(kafka.clusterId())
                .append(", data in ")
                .append(dir.toAbsolutePath())
                .append("); Ctrl-C to stop");
        return RunningService.closedOnRequest(ready.toString(), kafka);
    }
}
