package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.kafka.KafkaServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code probeval aggregate}: the builder's refusals become usage errors, the shared options reach the config, and a
 * service that dies makes the command exit 1. A fake service stands in for Kafka Streams.
 */
class AggregateCommandTest {
    @TempDir
    Path tmp;

    /** Runs aggregate with a fake service; returns what the command handed it and what it did. */
    private CliResult runFake(
            AtomicReference<AggregatorConfig> seen,
            CompletableFuture<Void> terminated,
            AtomicInteger closes,
            String... args) {
        AggregateCommand cmd = new AggregateCommand();
        cmd.starter = config -> {
            seen.set(config);
            return new RunningService("fake aggregator up", closes::incrementAndGet, terminated);
        };
        String[] all = new String[args.length + 5];
        all[0] = "aggregate";
        all[1] = "--http-port";
        all[2] = "0";
        all[3] = "--state-dir";
        all[4] = tmp.resolve("state").toString();
        System.arraycopy(args, 0, all, 5, args.length);
        return CliResult.run(CliResult.with(AggregateCommand.class, cmd), all);
    }

    @Test
    void shouldTurnTheBuildersRangeCheckIntoAUsageErrorNamingTheOption() {
        CliResult r = CliResult.run("aggregate", "--port", "70000");
        assertEquals(2, r.code());
        assertEquals("probeval aggregate: --port: http port must be in 0..65535, got 70000", r.errLine());
        CliResult threads = CliResult.run("aggregate", "--threads", "0");
        assertEquals(2, threads.code());
        assertEquals("probeval aggregate: --threads: stream threads must be >= 1, got 0", threads.errLine());
        CliResult emit = CliResult.run("aggregate", "--emit-every", "-1");
        assertEquals(2, emit.code());
        assertEquals("probeval aggregate: --emit-every: emit-every-samples must be >= 0, got -1", emit.errLine());
    }

    @Test
    void requestLimitOptionsShouldReachTheValidatorsLimits() {
        AtomicReference<AggregatorConfig> seen = new AtomicReference<>();
        CliResult r = runFake(
                seen,
                CompletableFuture.completedFuture(null),
                new AtomicInteger(),
                "--max-num-samples",
                "500",
                "--max-prompt-chars",
                "2000",
                "--max-references",
                "3",
                "--max-reference-chars",
                "40",
                "--max-request-new-tokens",
                "64",
                "--max-temperature",
                "2.5");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                dev.probeval.contract.RequestLimits.builder()
                        .optMaxNumSamples(500)
                        .optMaxPromptChars(2000)
                        .optMaxReferences(3)
                        .optMaxReferenceChars(40)
                        .optMaxNewTokens(64)
                        .optMaxTemperature(2.5)
                        .build(),
                seen.get().kafka().requestLimits());
        CliResult bad = CliResult.run("aggregate", "--max-num-samples", "0");
        assertEquals(2, bad.code());
        assertEquals("probeval aggregate: --max-num-samples: maxNumSamples must be >= 1, got 0", bad.errLine());
    }

    @Test
    void shouldRejectANonHttpRegistryAndAReservedPassThroughKey() {
        CliResult r = CliResult.run("aggregate", "--schema-registry-url", "mock://x");
        assertEquals(2, r.code());
        assertEquals("probeval aggregate: --schema-registry-url must be an http(s) URL, got mock://x", r.errLine());
        CliResult reserved = CliResult.run("aggregate", "--kafka-config", "application.id=other");
        assertEquals(2, reserved.code());
        assertTrue(
                reserved.errLine()
                        .startsWith(
                                "probeval aggregate: --kafka-config application.id: Kafka config "
                                        + "application.id cannot be passed through: set it with setApplicationId (--application-id)"),
                reserved.err());
    }

    @Test
    void kafkaConfigShouldReachStreamsAndTheAdminClientFileFirstThenFlags() throws Exception {
        Path file = Files.writeString(
                tmp.resolve("client.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\ncommit.interval.ms=500\n");
        AtomicReference<AggregatorConfig> seen = new AtomicReference<>();
        CliResult r = runFake(
                seen,
                CompletableFuture.completedFuture(null),
                new AtomicInteger(),
                "--bootstrap-servers",
                "k1:9093",
                "--kafka-config-file",
                file.toString(),
                "--kafka-config",
                "commit.interval.ms=200",
                "--threads",
                "2");
        assertEquals(0, r.code(), r.err());
        assertEquals("fake aggregator up", r.out().strip());
        Properties streams = seen.get().streamsProperties(8090);
        assertEquals("k1:9093", streams.get("bootstrap.servers"));
        assertEquals("SASL_SSL", streams.get("security.protocol"));
        assertEquals("200", streams.get("commit.interval.ms"), "--kafka-config wins over the file");
        assertEquals(2, streams.get("num.stream.threads"));
        Map<String, Object> admin = seen.get().adminProperties();
        assertEquals("k1:9093", admin.get("bootstrap.servers"));
        assertEquals("SASL_SSL", admin.get("security.protocol"));
        assertEquals("PLAIN", admin.get("sasl.mechanism"));
    }

    @Test
    void defaultsShouldAgreeWithTheConfigBuilder() {
        AtomicReference<AggregatorConfig> seen = new AtomicReference<>();
        assertEquals(
                0,
                runFake(seen, CompletableFuture.completedFuture(null), new AtomicInteger())
                        .code());
        KafkaServiceConfig kafka = seen.get().kafka();
        assertEquals(KafkaServiceConfig.DEFAULT_PARTITIONS, kafka.partitions());
        assertEquals(KafkaServiceConfig.DEFAULT_REPLICATION_FACTOR, kafka.replicationFactor());
        assertEquals(KafkaServiceConfig.DEFAULT_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        assertEquals(KafkaServiceConfig.DEFAULT_SCHEMA_REGISTRY_URL, kafka.schemaRegistryUrl());
        assertEquals(KafkaServiceConfig.DEFAULT_SESSION_TIMEOUT_MS, kafka.sessionTimeoutMs());
        assertEquals(AggregatorConfig.DEFAULT_EMIT_EVERY_SAMPLES, seen.get().emitEverySamples());
        assertTrue(kafka.createTopics());
        AtomicReference<AggregatorConfig> off = new AtomicReference<>();
        runFake(off, CompletableFuture.completedFuture(null), new AtomicInteger(), "--no-create-topics");
        assertFalse(off.get().kafka().createTopics());
    }

    @Test
    void servingLimitOptionsShouldReachTheConfigAndBadOnesExitTwoWithOneLine() {
        AtomicReference<AggregatorConfig> seen = new AtomicReference<>();
        CliResult r = runFake(
                seen,
                CompletableFuture.completedFuture(null),
                new AtomicInteger(),
                "--metrics-max-model-versions",
                "7",
                "--metrics-max-rollups",
                "9",
                "--max-event-subscribers",
                "3",
                "--query-threads",
                "2",
                "--query-queue",
                "0");
        assertEquals(0, r.code(), r.err());
        assertEquals(7, seen.get().metricsMaxModelVersions());
        assertEquals(9, seen.get().metricsMaxRollups());
        assertEquals(3, seen.get().maxEventSubscribers());
        assertEquals(2, seen.get().queryThreads());
        assertEquals(0, seen.get().queryQueue());
        AtomicReference<AggregatorConfig> defaults = new AtomicReference<>();
        runFake(defaults, CompletableFuture.completedFuture(null), new AtomicInteger());
        AggregatorConfig builderDefaults =
                AggregatorConfig.builder().setKafka(defaults.get().kafka()).build();
        assertEquals(builderDefaults.metricsMaxModelVersions(), defaults.get().metricsMaxModelVersions());
        assertEquals(builderDefaults.metricsMaxRollups(), defaults.get().metricsMaxRollups());
        assertEquals(builderDefaults.maxEventSubscribers(), defaults.get().maxEventSubscribers());
        assertEquals(builderDefaults.queryThreads(), defaults.get().queryThreads());
        assertEquals(builderDefaults.queryQueue(), defaults.get().queryQueue());

        CliResult bad = CliResult.run("aggregate", "--max-event-subscribers", "0");
        assertEquals(2, bad.code());
        assertEquals(
                "probeval aggregate: --max-event-subscribers: max event subscribers must be in 1..10000, got 0",
                bad.errLine());
        CliResult queue = CliResult.run("aggregate", "--query-queue", "-1");
        assertEquals(2, queue.code());
        assertEquals("probeval aggregate: --query-queue: query queue must be in 0..100000, got -1", queue.errLine());
    }

    @Test
    void shouldExitOneWithOneLineWhenTheServiceDies() {
        CompletableFuture<Void> died = new CompletableFuture<>();
        died.completeExceptionally(new IllegalStateException(
                "Kafka Streams went from RUNNING to ERROR: every stream " + "thread died\n(see the log)"));
        AtomicInteger closes = new AtomicInteger();
        CliResult r = runFake(new AtomicReference<>(), died, closes);
        assertEquals(1, r.code());
        assertEquals(
                "probeval aggregate: error: stopped: Kafka Streams went from RUNNING to ERROR: every stream thread "
                        + "died (see the log)",
                r.errLine());
        assertEquals(1, closes.get(), "the dead service is closed once, releasing its port and state directory");
    }

    @Test
    void shouldExitOneNamingKafkaWhenTheServiceCannotStart() {
        AggregateCommand cmd = new AggregateCommand();
        cmd.starter = config -> {
            throw new org.apache.kafka.common.KafkaException("Failed to construct kafka consumer");
        };
        CliResult r = CliResult.run(
                CliResult.with(AggregateCommand.class, cmd),
                "aggregate",
                "--http-port",
                "0",
                "--state-dir",
                tmp.resolve("s").toString(),
                "--bootstrap-servers",
                "nowhere:1");
        assertEquals(1, r.code());
        assertEquals(
                "probeval aggregate: error: cannot start on Kafka at nowhere:1 (is `probeval broker` running?): "
                        + "Failed to construct kafka consumer",
                r.errLine());
    }

    @Test
    void shouldDescribeTheRestApiInHelp() {
        CliResult r = CliResult.run("aggregate", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("/api/v1/models/{version}/bounds"), r.out());
        assertFalse(r.out().contains("--streams-config"), "one pass-through name: --kafka-config");
    }
}
