package dev.probeval.app;

import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.kafka.KafkaServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code probeval aggregate}: the Kafka Streams aggregator with its REST API, run until interrupted. */
@Command(
        name = "aggregate",
        mixinStandardHelpOptions = true,
        description = {
            "Run the streaming aggregator (Kafka Streams, exactly-once) until interrupted.",
            "Counts scored samples into per-prompt and per-model-version bounds, publishes them, and serves",
            "GET /api/v1/models, /api/v1/models/{version}/bounds, /api/v1/models/{version}/prompts/{promptId},",
            "/api/v1/requests/{requestId}, /metrics (Prometheus), /health/live, /health/ready (/health: alias of",
            "ready; 503 names the state: STARTING, RESTORING, BROKER_UNREACHABLE, ...) and a dashboard page at /.",
            "Exits 1 with one line if Kafka Streams stops on its own (state ERROR)."
        })
final class AggregateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SchemaRegistryOptions registry;

    @Mixin
    TopicOptions topics;

    @Mixin
    ReplicationOptions replication;

    @Mixin
    RequestLimitsOptions limits;

    @Mixin
    MembershipOptions membership;

    @Option(
            names = "--instance-id",
            paramLabel = "ID",
            description =
                    "Stable id of this instance for static group membership (group.instance.id): restarted with the "
                            + "same id it rejoins at once, without a rebalance; unique per live instance (default: none, dynamic "
                            + "membership).")
    String instanceId;

    @Mixin
    ListenOptions listen = new ListenOptions(AggregatorConfig.DEFAULT_HTTP_HOST, AggregatorConfig.DEFAULT_HTTP_PORT);

    @Option(
            names = "--advertised-host",
            description = "Host other instances reach this one's REST API on (application.server; default: --host).")
    String advertisedHost;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "Kafka Streams state directory (default: <probeval home>/data/aggregator).")
    Path stateDir;

    @Option(
            names = "--application-id",
            defaultValue = AggregatorConfig.DEFAULT_APPLICATION_ID,
            description =
                    "Kafka Streams application id; instances sharing it split the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(
            names = "--emit-every",
            defaultValue = "" + AggregatorConfig.DEFAULT_EMIT_EVERY_SAMPLES,
            description = "Emit a prompt's bounds every this many counted samples; 0: only at the target n and on the "
                    + "interval (default: ${DEFAULT-VALUE}).")
    int emitEvery;

    @Option(
            names = "--emit-interval-ms",
            defaultValue = "" + AggregatorConfig.DEFAULT_EMIT_INTERVAL_MS,
            description =
                    "Emit pending prompt updates at most this long after they happen; 0: off (default: ${DEFAULT-VALUE}).")
    long emitIntervalMs;

    @Option(
            names = "--model-emit-interval-ms",
            defaultValue = "" + AggregatorConfig.DEFAULT_MODEL_EMIT_INTERVAL_MS,
            description =
                    "Emit changed model roll-ups this often; 0: on every prompt update (default: ${DEFAULT-VALUE}).")
    long modelEmitIntervalMs;

    @Mixin
    BoundsOptions.EdLambda edLambda;

    @Option(
            names = "--threads",
            defaultValue = "" + AggregatorConfig.DEFAULT_STREAM_THREADS,
            description = "Stream threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--max-record-attempts",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_MAX_RECORD_ATTEMPTS,
            description = "Tries of a record whose processing or output keeps failing before it is dead-lettered "
                    + "(PROCESSING_FAILED, PRODUCTION_FAILED) and its partition moves on; registry and broker outages are "
                    + "retried without limit (default: ${DEFAULT-VALUE}).")
    int maxRecordAttempts;

    @Option(
            names = "--early-sample-buffer",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_EARLY_SAMPLE_BUFFER,
            description = "Samples per task kept while their request has not arrived; 0: dead-letter at once "
                    + "(default: ${DEFAULT-VALUE}).")
    int earlySampleBuffer;

    @Option(
            names = "--early-sample-timeout-ms",
            paramLabel = "MS",
            defaultValue = "" + AggregatorConfig.DEFAULT_EARLY_SAMPLE_TIMEOUT_MS,
            description = "How long a buffered sample waits for its request before it is dead-lettered "
                    + "(default: ${DEFAULT-VALUE}).")
    long earlySampleTimeoutMs;

    @Option(
            names = "--object-cache-entries",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_OBJECT_CACHE,
            description = "Decoded requests and request states cached per task (default: ${DEFAULT-VALUE}).")
    int objectCacheEntries;

    // Serving limits: what clients can make the REST API, the dashboard and /metrics hold.
    @Option(
            names = "--metrics-max-model-versions",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_METRICS_MAX_MODEL_VERSIONS,
            description = "Distinct model versions labelled on the per-version meters; later ones are counted under "
                    + "model_version=\"_other\" (default: ${DEFAULT-VALUE}).")
    int metricsMaxModelVersions;

    @Option(
            names = "--metrics-max-rollups",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_METRICS_MAX_ROLLUPS,
            description = "(Model version, suite, split) roll-ups published as gauges; later ones share one _other set "
                    + "(default: ${DEFAULT-VALUE}).")
    int metricsMaxRollups;

    @Option(
            names = "--max-event-subscribers",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_MAX_EVENT_SUBSCRIBERS,
            description = "Dashboard event streams open at once; 503 beyond (default: ${DEFAULT-VALUE}).")
    int maxEventSubscribers;

    @Option(
            names = "--query-threads",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_QUERY_THREADS,
            description = "Threads running REST queries, apart from health and metrics (default: ${DEFAULT-VALUE}).")
    int queryThreads;

    @Option(
            names = "--query-queue",
            paramLabel = "N",
            defaultValue = "" + AggregatorConfig.DEFAULT_QUERY_QUEUE,
            description = "REST queries waiting for a query thread; 503 beyond (default: ${DEFAULT-VALUE}).")
    int queryQueue;

    /** Starts the service; tests replace it with a fake to play a service that dies. */
    Function<AggregatorConfig, RunningService> starter = AggregateCommand::start;

    @Override
    public Integer call() {
        AggregatorConfig config = config();
        Cli.requireFreePort(config.httpHost(), config.httpPort(), "--port");
        return new ServiceLifecycle(ServiceLifecycle.RUNTIME)
                .run(spec, kafka.startContext(), () -> starter.apply(config));
    }

    /** The aggregator's config from the options; the builder's range checks are the only ones. */
    AggregatorConfig config() {
        Path dir =
                stateDir != null ? stateDir : Path.of(System.getProperty("probeval.home", "."), "data", "aggregator");
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--state-dir " + dir + " exists and is not a directory");
        }
        KafkaServiceConfig.Builder k = kafka.builder(AggregatorConfig.RESERVED_KAFKA_KEYS);
        registry.applyTo(k);
        topics.applyTo(k);
        replication.applyTo(k);
        membership.applyTo(k);
        limits.applyTo(k);
        if (instanceId != null) {
            Cli.option("--instance-id", () -> k.optInstanceId(instanceId));
        }
        AggregatorConfig.Builder b = AggregatorConfig.builder().optStateDir(dir);
        b.setKafka(Cli.build(k::build));
        Cli.option("--application-id", () -> b.optApplicationId(applicationId));
        Cli.option("--host", () -> b.optHttpHost(listen.host));
        Cli.option("--port", () -> b.optHttpPort(listen.port));
        if (advertisedHost != null) {
            Cli.option("--advertised-host", () -> b.optAdvertisedHost(advertisedHost));
        }
        Cli.option("--emit-every", () -> b.optEmitEverySamples(emitEvery));
        Cli.option("--emit-interval-ms", () -> b.optEmitIntervalMs(emitIntervalMs));
        Cli.option("--model-emit-interval-ms", () -> b.optModelEmitIntervalMs(modelEmitIntervalMs));
        Cli.option("--ed-lambda", () -> b.optEdLambda(edLambda.value));
        Cli.option("--threads", () -> b.optStreamThreads(threads));
        Cli.option("--early-sample-buffer", () -> b.optEarlySampleBufferMax(earlySampleBuffer));
        Cli.option("--early-sample-timeout-ms", () -> b.optEarlySampleTimeoutMs(earlySampleTimeoutMs));
        Cli.option("--object-cache-entries", () -> b.optObjectCacheEntries(objectCacheEntries));
        Cli.option("--max-record-attempts", () -> b.optMaxRecordAttempts(maxRecordAttempts));
        Cli.option("--metrics-max-model-versions", () -> b.optMetricsMaxModelVersions(metricsMaxModelVersions));
        Cli.option("--metrics-max-rollups", () -> b.optMetricsMaxRollups(metricsMaxRollups));
        Cli.option("--max-event-subscribers", () -> b.optMaxEventSubscribers(maxEventSubscribers));
        Cli.option("--query-threads", () -> b.optQueryThreads(queryThreads));
        Cli.option("--query-queue", () -> b.optQueryQueue(queryQueue));
        return Cli.build(b::build);
    }

    private static RunningService start(AggregatorConfig config) {
        Aggregator aggregator = Aggregator.start(config);
        return new RunningService(
                "probeval aggregate: " + config.applicationId() + " on "
                        + config.kafka().bootstrapServers() + ", REST and dashboard on " + aggregator.httpUrl()
                        + " (metrics at /metrics); Ctrl-C to stop",
                aggregator::close,
                aggregator.terminated());
    }
}
