package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The Kafka connection of a command that talks to a cluster: where it is, and the one pass-through for client
 * properties (security.protocol, SASL, SSL, timeouts, Streams settings). Declared once, mixed into every such command,
 * so the options read and mean the same everywhere; each command hands {@link #clientConfig()} to every Kafka client
 * it creates.
 */
final class KafkaOptions {
    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,...]",
            defaultValue = KafkaServiceConfig.DEFAULT_BOOTSTRAP_SERVERS,
            description = "Kafka cluster (default: ${DEFAULT-VALUE}, the `probeval broker` default).")
    String bootstrapServers;

    @Option(
            names = "--kafka-config",
            paramLabel = "KEY=VALUE",
            description =
                    "Kafka client or Kafka Streams property for every Kafka client this command creates, repeatable "
                            + "(for example security.protocol=SASL_SSL); wins over --kafka-config-file.")
    Map<String, String> kafkaConfig = new LinkedHashMap<>();

    @Option(
            names = "--kafka-config-file",
            paramLabel = "FILE",
            description = "Java properties file of Kafka client properties, as for --kafka-config (for example the "
                    + "client.properties of a managed cluster).")
    Path kafkaConfigFile;

    /**
     * The pass-through properties: the file's first, then each {@code --kafka-config} in order.
     *
     * @throws UsageException when the file cannot be read
     */
    Map<String, String> clientConfig() {
        Map<String, String> all = new LinkedHashMap<>();
        if (kafkaConfigFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(kafkaConfigFile, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new UsageException("--kafka-config-file not found: " + kafkaConfigFile);
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException("cannot read --kafka-config-file " + kafkaConfigFile + ": " + e.getMessage());
            }
            p.stringPropertyNames().stream().sorted().forEach(k -> all.put(k, p.getProperty(k)));
        }
        all.putAll(kafkaConfig);
        return all;
    }

    /**
     * The shared Kafka settings of a service that refuses {@code reservedKeys} (its {@code RESERVED_KAFKA_KEYS}): the
     * cluster, then every pass-through property; a refusal names the option and the key.
     */
    KafkaServiceConfig.Builder builder(Map<String, String> reservedKeys) {
        KafkaServiceConfig.Builder b = KafkaServiceConfig.builder(reservedKeys);
        Cli.option("--bootstrap-servers", () -> b.setBootstrapServers(bootstrapServers));
        clientConfig().forEach((k, v) -> Cli.option("--kafka-config " + k, () -> b.optKafkaConfig(k, v)));
        return b;
    }

    /** "on Kafka at HOST:PORT (is `probeval broker` running?)": what a failed start most often means. */
    String startContext() {
        return "on Kafka at " + bootstrapServers + " (is `probeval broker` running?)";
    }
}
