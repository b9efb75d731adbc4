package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import picocli.CommandLine.Option;

/** The schema registry a command's Avro serdes talk to; declared once for every command that has serdes. */
final class SchemaRegistryOptions {
    @Option(
            names = "--schema-registry-url",
            paramLabel = "URL",
            defaultValue = KafkaServiceConfig.DEFAULT_SCHEMA_REGISTRY_URL,
            description = "Confluent-compatible schema registry (default: ${DEFAULT-VALUE}, the `probeval registry` "
                    + "default).")
    String url;

    /**
     * The URL, which must be http(s): the serdes also accept {@code mock://} scopes, but those live in one JVM and
     * would make a separately started command silently see other schemas.
     */
    String url() {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new UsageException("--schema-registry-url must be an http(s) URL, got " + url);
        }
        return url;
    }

    /** Sets the registry on a service's shared settings; a refusal names the option. */
    void applyTo(KafkaServiceConfig.Builder b) {
        String u = url();
        Cli.option("--schema-registry-url", () -> b.optSchemaRegistryUrl(u));
    }
}
