package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import picocli.CommandLine.Option;

/** The replication factor of topics a command creates on a cluster; declared once for every such command. */
final class ReplicationOptions {
    @Option(
            names = "--replication-factor",
            paramLabel = "R",
            defaultValue = "" + KafkaServiceConfig.DEFAULT_REPLICATION_FACTOR,
            description = "Replication factor of the topics this command creates (default: ${DEFAULT-VALUE}, for a "
                    + "one-node cluster; 3 is usual in production).")
    short replicationFactor;

    /** Sets the replication factor on a service's shared settings; a refusal names the option. */
    void applyTo(KafkaServiceConfig.Builder b) {
        Cli.option("--replication-factor", () -> b.optReplicationFactor(replicationFactor));
    }
}
