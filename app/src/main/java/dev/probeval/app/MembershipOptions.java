package dev.probeval.app;

import dev.probeval.kafka.KafkaServiceConfig;
import picocli.CommandLine.Option;

/**
 * How a long-running service sits in its Kafka consumer group: the session timeout after which a member that died
 * without leaving (kill -9, a lost host) is dropped. Declared once for {@code probeval aggregate} and
 * {@code probeval worker}; each command has its own stable id for static membership ({@code --instance-id},
 * {@code --worker-id}), with which a restarted process rejoins at once instead of waiting for this timeout.
 */
final class MembershipOptions {
    @Option(
            names = "--session-timeout-ms",
            paramLabel = "MS",
            defaultValue = "" + KafkaServiceConfig.DEFAULT_SESSION_TIMEOUT_MS,
            description = "Consumer-group session timeout: a member that died without leaving is dropped after it; "
                    + "the broker accepts 6000..1800000 by default (default: ${DEFAULT-VALUE}).")
    int sessionTimeoutMs;

    /** Sets the session timeout on a service's shared settings; a refusal names the option. */
    void applyTo(KafkaServiceConfig.Builder b) {
        Cli.option("--session-timeout-ms", () -> b.optSessionTimeoutMs(sessionTimeoutMs));
    }
}
