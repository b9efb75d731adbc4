package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.server.SchemaRegistryServer;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code probeval registry}: the Confluent-compatible schema registry, run in the foreground until interrupted. */
@Command(
        name = "registry",
        mixinStandardHelpOptions = true,
        description = {
            "Run a schema registry speaking Confluent's REST API until interrupted.",
            "Schemas live in a compacted Kafka topic, so ids survive restarts."
        })
final class RegistryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ReplicationOptions replication;

    @Mixin
    ListenOptions listen = new ListenOptions(SchemaRegistryServer.DEFAULT_HOST, SchemaRegistryServer.DEFAULT_PORT);

    @Option(
            names = "--topic",
            defaultValue = SchemaRegistryServer.DEFAULT_TOPIC,
            description = "Compacted topic holding the schemas, created with one partition if missing "
                    + "(default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--compatibility",
            defaultValue = SchemaRegistryServer.DEFAULT_COMPATIBILITY,
            description = "Global compatibility level until one is set through PUT /config: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}).")
    CompatibilityLevel compatibility;

    @Option(
            names = "--max-schema-bytes",
            paramLabel = "BYTES",
            defaultValue = "" + SchemaRegistryServer.DEFAULT_MAX_SCHEMA_BYTES,
            description = "Largest schema accepted (UTF-8 bytes of its text); 422 beyond (default: ${DEFAULT-VALUE}).")
    int maxSchemaBytes;

    @Option(
            names = "--max-subjects",
            paramLabel = "N",
            defaultValue = "" + SchemaRegistryServer.DEFAULT_MAX_SUBJECTS,
            description = "Most subjects held; registering a new one beyond is 422 (default: ${DEFAULT-VALUE}).")
    int maxSubjects;

    @Option(
            names = "--max-versions-per-subject",
            paramLabel = "N",
            defaultValue = "" + SchemaRegistryServer.DEFAULT_MAX_VERSIONS_PER_SUBJECT,
            description = "Most versions per subject; registering another beyond is 422 (default: ${DEFAULT-VALUE}).")
    int maxVersionsPerSubject;

    @Override
    public Integer call() {
        if (topic.isBlank()) {
            // SchemaRegistryServer.Builder takes any topic name; an empty one would fail only inside Kafka.
            throw new UsageException("--topic must not be empty");
        }
        KafkaServiceConfig.Builder k = kafka.builder(Map.of());
        replication.applyTo(k);
        SchemaRegistryServer.Builder b = SchemaRegistryServer.builder()
                .setKafka(Cli.build(k::build))
                .topic(topic)
                .defaultCompatibility(compatibility);
        Cli.option("--host", () -> b.host(listen.host));
        Cli.option("--port", () -> b.port(listen.port));
        Cli.option("--max-schema-bytes", () -> b.maxSchemaBytes(maxSchemaBytes));
        Cli.option("--max-subjects", () -> b.maxSubjects(maxSubjects));
        Cli.option("--max-versions-per-subject", () -> b.maxVersionsPerSubject(maxVersionsPerSubject));
        listen.requireFree();
        return new ServiceLifecycle(ServiceLifecycle.RUNTIME).run(spec, kafka.startContext(), () -> {
            SchemaRegistryServer server = b.start();
            return RunningService.closedOnRequest(
                    "probeval registry: listening on " + server.url() + " (schemas in topic " + topic + " on "
                            + kafka.bootstrapServers + "); Ctrl-C to stop",
                    server);
        });
    }
}
