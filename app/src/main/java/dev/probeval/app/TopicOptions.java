package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import picocli.CommandLine.Option;

/**
 * Whether and how a command creates the probeval topics when they are missing; declared once for the broker, the
 * aggregator and the worker, with one default ({@link KafkaServiceConfig}), so that topics created by any of them
 * are co-partitioned.
 */
final class TopicOptions {
    @Option(
            names = "--create-topics",
            negatable = true,
            defaultValue = "" + KafkaServiceConfig.DEFAULT_CREATE_TOPICS,
            fallbackValue = "true",
            description = "Create the probeval topics that are missing at start (default: ${DEFAULT-VALUE}; "
                    + "--no-create-topics where they are provisioned separately).")
    boolean createTopics;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "" + KafkaServiceConfig.DEFAULT_PARTITIONS,
            description = "Partitions of the probeval topics this command creates; requests and samples must have the "
                    + "same count (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** Sets topic creation on a service's shared settings; a refusal names the option. */
    void applyTo(KafkaServiceConfig.Builder b) {
        b.optCreateTopics(createTopics);
        Cli.option("--partitions", () -> b.optPartitions(partitions));
    }
}
