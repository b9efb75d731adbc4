package dev.probeval.aggregator;

import dev.probeval.aggregator.rest.AggregatorHttpServer;
import dev.probeval.avro.DeadLetter;
import dev.probeval.kafka.AdminBrokerProbe;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running aggregator instance: creates the probeval topics when missing, starts the REST API (so its port is known
 * for {@code application.server}), then Kafka Streams on {@link AggregatorTopology}, with Micrometer meters (its own
 * and Kafka Streams' through {@link KafkaStreamsMetrics}) served on {@code /metrics}.
 */
public final class Aggregator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);

    private final AggregatorConfig config;
    private final PrometheusMeterRegistry registry;
    private final AggregatorHttpServer http;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final AggregatorMetrics metrics;
    private final StreamsTermination termination = new StreamsTermination();
    private final AdminBrokerProbe probe;
    private final AggregatorHealth health;

    private Aggregator(AggregatorConfig config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new AggregatorMetrics(registry, config.metricsMaxModelVersions(), config.metricsMaxRollups());
        if (config.kafka().createTopics()) {
            // The same connection settings as Streams (security.protocol, SASL, ...), not only the bootstrap servers.
            try (Admin admin = Admin.create(config.adminProperties())) {
                TopicAdmin.Result r = TopicAdmin.ensureTopics(
                        admin,
                        Topics.ALL,
                        config.kafka().partitions(),
                        config.kafka().replicationFactor());
                if (!r.partitionMismatches().isEmpty()) {
                    LOG.warn(
                            "Existing topics with another partition count than {}: {}; requests and samples must have the "
                                    + "same count (co-partitioned)",
                            config.kafka().partitions(),
                            r.partitionMismatches());
                }
            }
        }
        this.http = new AggregatorHttpServer(
                config.httpHost(),
                config.httpPort(),
                registry,
                AggregatorHttpServer.DEFAULT_DASHBOARD_POLL_MS,
                config.maxEventSubscribers(),
                config.queryThreads(),
                config.queryQueue());
        this.probe = new AdminBrokerProbe(config.adminProperties());
        this.health = new AggregatorHealth(probe, AggregatorHealth.requiredTopics(config.applicationId()));
        http.health(health::current);
        Properties props = config.streamsProperties(http.port());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingFailures.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionFailures.class);
        // Streams creates the handlers per thread; the one policy object keeps their attempt counts across
        // replacements.
        Serializer<DeadLetter> deadLetters =
                Topics.DEAD_LETTERS.valueSerde(config.kafka().serdeConfig()).serializer();
        props.put(
                PoisonRecords.CONFIG_KEY,
                new PoisonRecords(
                        config.maxRecordAttempts(),
                        dl -> deadLetters.serialize(Topics.DEAD_LETTERS.name(), dl),
                        metrics,
                        System::currentTimeMillis));
        KafkaStreams ks;
        try {
            ks = new KafkaStreams(AggregatorTopology.build(config, metrics), props);
        } catch (RuntimeException e) {
            http.close();
            probe.close();
            throw e;
        }
        this.streams = ks;
        streams.setGlobalStateRestoreListener(health.restoreListener());
        streams.setUncaughtExceptionHandler(e -> {
            termination.onThreadError(e);
            health.onThreadError(e);
            StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse response = responseTo(e);
            LOG.error(
                    "Stream thread failed; {}",
                    response == StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD
                            ? "replacing it"
                            : "shutting the aggregator down (this error does not go away by retrying)",
                    e);
            return response;
        });
        streams.setStateListener((now, before) -> {
            http.state(now.name());
            health.onStateChange(now);
            termination.onStateChange(now, before);
        });
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        http.attach(new BoundsQueries(streams, config.edLambda()), new HostInfo(config.advertisedHost(), http.port()));
    }

    /** Starts an instance; returns once Streams is started (not necessarily RUNNING yet, see {@link #awaitRunning}). */
    public static Aggregator start(AggregatorConfig config) {
        Aggregator a = new Aggregator(config);
        a.streams.start();
        LOG.info(
                "Aggregator {} started: REST on http://{}:{}, exactly-once, application.server={}",
                config.applicationId(),
                config.httpHost(),
                a.http.port(),
                config.streamsProperties(a.http.port()).get(StreamsConfig.APPLICATION_SERVER_CONFIG));
        return a;
    }

    /**
     * What to do when a stream thread dies. Poison records are dead-lettered inside the topology; what still throws
     * (registry down, broker trouble) is transient: replace the thread, the aborted transaction's records are processed
     * again. Wrong credentials, missing rights, a too old broker or a missing input topic (with topic creation off)
     * fail every retry the same way: stop the client, so that {@link #terminated()} fails and the command exits instead
     * of retrying forever.
     */
    static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse responseTo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException
                    || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException
                    || t instanceof MissingSourceTopicException) {
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
        }
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * Completes normally once {@link #close()} has finished; completes exceptionally, naming the state and the last
     * stream-thread error, when Kafka Streams reaches ERROR or stops without being closed. A long-running command waits
     * on it to exit non-zero when the aggregator dies for good.
     */
    public CompletableFuture<Void> terminated() {
        return termination.future();
    }

    /** Waits until Streams is RUNNING; throws if it is not within {@code timeout}. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "aggregator not RUNNING after " + timeout + " (state " + streams.state() + ")");
            }
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("aggregator stopped: " + streams.state());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    public int httpPort() {
        return http.port();
    }

    public String httpUrl() {
        return "http://" + config.advertisedHost() + ":" + http.port();
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Liveness and readiness, as served on /health/live and /health/ready. */
    public AggregatorHealth health() {
        return health;
    }

    public AggregatorMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public AggregatorConfig config() {
        return config;
    }

    /** Stops Streams (committing its last transaction) and the HTTP server. */
    @Override
    public void close() {
        termination.closing();
        try {
            streams.close(Duration.ofSeconds(30));
            streamsMetrics.close();
            http.close();
            probe.close();
            registry.close();
        } finally {
            termination.closed();
        }
    }
}
