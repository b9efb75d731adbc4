package dev.probeval.app;

import dev.probeval.aggregator.AggregatorConfig;
import picocli.CommandLine.Option;

/** The replication factor of topics a command creates on a cluster; declared once for every such command. */
final class ReplicationOptions {
  @Option(names = "--replication-factor", paramLabel = "R",
      defaultValue = "" + AggregatorConfig.DEFAULT_REPLICATION_FACTOR,
      description = "Replication factor of the topics this command creates (default: ${DEFAULT-VALUE}, for a "
          + "one-node cluster; 3 is usual in production).")
  short replicationFactor;
}
