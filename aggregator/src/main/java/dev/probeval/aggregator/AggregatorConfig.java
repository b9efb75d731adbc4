package dev.probeval.aggregator;

import dev.probeval.http.HostPort;
import dev.probeval.kafka.KafkaServiceConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the aggregator is configured with: what every Kafka service has ({@link KafkaServiceConfig}: cluster,
 * registry, topics, membership, request limits) and its own settings: its Streams identity, how often it emits
 * bounds, where the REST API listens and what clients can make it hold. Immutable; build with {@link #builder()}
 * ({@code setKafka} required, {@code optX} optional, each with its {@code DEFAULT_X}).
 *
 * @param kafka cluster, registry, topics, membership and request limits
 * @param applicationId Kafka Streams application id, also the prefix of every internal topic
 * @param stateDir Kafka Streams state directory, or null for Streams' default
 * @param httpHost interface the REST API binds
 * @param httpPort REST port; 0 picks a free one when the server starts
 * @param advertisedHost host other instances use to reach this one's REST API ({@code application.server})
 * @param emitEverySamples emit a PROVISIONAL prompt bound every this many counted samples (0: never by count)
 * @param emitIntervalMs emit pending prompt updates at most this long after they happen (0: off)
 * @param modelEmitIntervalMs emit changed model roll-ups every this many ms (0: on every prompt update)
 * @param edLambda λ in M_ED = M_μ + λ·M_σ (paper-spec 1.6)
 * @param streamThreads Kafka Streams stream threads ({@code num.stream.threads}; a pass-through value wins)
 * @param earlySampleBufferMax most samples per task kept while their request has not arrived (0: none; such a sample
 *     is dead-lettered at once as UNKNOWN_REQUEST)
 * @param earlySampleTimeoutMs how long (wall clock) a buffered early sample waits for its request before it is
 *     dead-lettered as EARLY_SAMPLE_EXPIRED
 * @param objectCacheEntries decoded requests and request states kept per task in memory, each (least recently used
 *     beyond that are re-read from the store)
 * @param maxRecordAttempts tries of a record whose processing (or output) throws before it is dead-lettered as
 *     PROCESSING_FAILED / PRODUCTION_FAILED; failures of the registry or the broker are retried without limit
 * @param metricsMaxModelVersions most distinct {@code model_version} label values on the per-version meters; later
 *     versions are counted under {@code _other}
 * @param metricsMaxRollups most (model version, suite, split) roll-ups published as gauges; later ones share one
 *     {@code _other} set
 * @param maxEventSubscribers most dashboard event streams open at once; 503 beyond
 * @param queryThreads threads running REST queries, apart from the threads that answer health and metrics
 * @param queryQueue REST queries waiting for a query thread; 503 beyond
 */
public record AggregatorConfig(
        KafkaServiceConfig kafka,
        String applicationId,
        Path stateDir,
        String httpHost,
        int httpPort,
        String advertisedHost,
        int emitEverySamples,
        long emitIntervalMs,
        long modelEmitIntervalMs,
        double edLambda,
        int streamThreads,
        int earlySampleBufferMax,
        long earlySampleTimeoutMs,
        int objectCacheEntries,
        int maxRecordAttempts,
        int metricsMaxModelVersions,
        int metricsMaxRollups,
        int maxEventSubscribers,
        int queryThreads,
        int queryQueue) {
    /** Default Kafka Streams application id (also the prefix of every internal topic). */
    public static final String DEFAULT_APPLICATION_ID = "probeval-aggregator";

    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    public static final int DEFAULT_HTTP_PORT = 8090;
    public static final int DEFAULT_EMIT_EVERY_SAMPLES = 10;
    public static final long DEFAULT_EMIT_INTERVAL_MS = 1000;
    public static final long DEFAULT_MODEL_EMIT_INTERVAL_MS = 1000;
    public static final double DEFAULT_ED_LAMBDA = 1.0;
    public static final int DEFAULT_STREAM_THREADS = 1;
    public static final int DEFAULT_EARLY_SAMPLE_BUFFER = 10_000;
    /** Two minutes. */
    public static final long DEFAULT_EARLY_SAMPLE_TIMEOUT_MS = 120_000;

    public static final int DEFAULT_OBJECT_CACHE = 10_000;
    /**
     * A record whose processing or output fails three times in a row is dead-lettered. Each failed try replaces the
     * stream thread (seconds), so a poison record holds its partition for well under a minute.
     */
    public static final int DEFAULT_MAX_RECORD_ATTEMPTS = 3;

    public static final int DEFAULT_METRICS_MAX_MODEL_VERSIONS = 100;
    public static final int DEFAULT_METRICS_MAX_ROLLUPS = 100;
    public static final int DEFAULT_MAX_EVENT_SUBSCRIBERS = 64;
    public static final int DEFAULT_QUERY_THREADS = 8;
    public static final int DEFAULT_QUERY_QUEUE = 64;
    /**
     * Default {@code commit.interval.ms} (Streams' exactly-once default is 100); override with a pass-through property.
     * Each commit writes every request state changed since the last one and waits for the transaction; 500 ms keeps
     * the produced-to-visible p99 under 1 s (docs/benchmarks.md).
     */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 500;
    /**
     * Most bytes (record keys and values) the early-sample buffer of one task holds, beside its count limit
     * ({@link #earlySampleBufferMax()}): 64 MiB. A sample beyond it is dead-lettered as UNKNOWN_REQUEST, as when the
     * count is reached.
     */
    public static final long EARLY_SAMPLE_BUFFER_BYTES = 64L * 1024 * 1024;

    /**
     * Pass-through keys the aggregator refuses (beside {@link KafkaServiceConfig#RESERVED_KEYS}): a dedicated setting
     * owns them (a pass-through value would silently disagree with it) or exactly-once counting depends on them.
     */
    public static final Map<String, String> RESERVED_KAFKA_KEYS = Map.of(
            StreamsConfig.APPLICATION_ID_CONFIG,
            "set it with setApplicationId (--application-id)",
            StreamsConfig.APPLICATION_SERVER_CONFIG,
            "it is derived from the advertised host and the bound REST port",
            StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
            "the aggregator always runs exactly_once_v2",
            StreamsConfig.STATE_DIR_CONFIG,
            "set it with optStateDir (--state-dir)",
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
            "the aggregator dead-letters a record that fails processing on every try (--max-record-attempts)",
            StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
            "the aggregator dead-letters a record whose output cannot be produced on every try (--max-record-attempts)");
    /** Prefix under which Kafka Streams passes settings to its admin client only; the aggregator's Admin honours it. */
    private static final String ADMIN_PREFIX = StreamsConfig.ADMIN_CLIENT_PREFIX;

    /** Refuses a missing Kafka config and the keys the aggregator reserves. */
    public AggregatorConfig {
        Objects.requireNonNull(kafka, "kafka").refuseReservedKeys(RESERVED_KAFKA_KEYS);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A {@link KafkaServiceConfig} builder that refuses the aggregator's reserved keys as they are given. */
    public static KafkaServiceConfig.Builder kafkaBuilder() {
        return KafkaServiceConfig.builder(RESERVED_KAFKA_KEYS);
    }

    /** A builder pre-filled with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kafka = kafka;
        b.applicationId = applicationId;
        b.stateDir = stateDir;
        b.httpHost = httpHost;
        b.httpPort = httpPort;
        b.advertisedHost = advertisedHost;
        b.emitEverySamples = emitEverySamples;
        b.emitIntervalMs = emitIntervalMs;
        b.modelEmitIntervalMs = modelEmitIntervalMs;
        b.edLambda = edLambda;
        b.streamThreads = streamThreads;
        b.earlySampleBufferMax = earlySampleBufferMax;
        b.earlySampleTimeoutMs = earlySampleTimeoutMs;
        b.objectCacheEntries = objectCacheEntries;
        b.maxRecordAttempts = maxRecordAttempts;
        b.metricsMaxModelVersions = metricsMaxModelVersions;
        b.metricsMaxRollups = metricsMaxRollups;
        b.maxEventSubscribers = maxEventSubscribers;
        b.queryThreads = queryThreads;
        b.queryQueue = queryQueue;
        return b;
    }

    /**
     * The Admin client's properties: the bootstrap servers, then every pass-through property the Admin client knows
     * (security.protocol, sasl.*, ssl.*, timeouts: the connection settings every client needs), then the ones given
     * with Streams' {@code admin.} prefix, unprefixed. Streams-only keys are left out so the Admin does not warn about
     * unknown configs.
     */
    public Map<String, Object> adminProperties() {
        Set<String> known = AdminClientConfig.configNames();
        Map<String, Object> p = new LinkedHashMap<>();
        kafka.kafkaConfig().forEach((k, v) -> {
            if (known.contains(k)) {
                p.put(k, v);
            }
        });
        kafka.kafkaConfig().forEach((k, v) -> {
            if (k.startsWith(ADMIN_PREFIX)) {
                p.put(k.substring(ADMIN_PREFIX.length()), v);
            }
        });
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    /**
     * The Kafka Streams properties: exactly-once v2, explicit naming enforced, {@code application.server} set to the
     * advertised REST endpoint (given the port actually bound), then the pass-through properties (which cannot touch
     * the reserved keys, see {@link #RESERVED_KAFKA_KEYS}).
     */
    public Properties streamsProperties(int boundHttpPort) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost + ":" + boundHttpPort);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
        // Each exactly-once commit waits for a producer flush, the offsets and the transaction markers (profiled in
        // docs/benchmarks.md); 100 ms (the EOS default) spends a large share of the stream thread's time there.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
        // Never idle waiting for the other input's partition: with an empty requests partition Streams 4.3 otherwise
        // formats log strings for every record (PartitionGroup.readyToProcess, ~15 % of the stream thread), and arrival
        // order does not affect the results (a sample before its request waits in the early-sample buffer).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), kafka.sessionTimeoutMs());
        // The topology has no global stores; this only opts in to Kafka 5's behaviour and silences its warning.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        if (kafka.instanceId() != null) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), kafka.instanceId());
        }
        if (stateDir != null) {
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        }
        p.putAll(kafka.kafkaConfig());
        return p;
    }

    @Override
    public String toString() {
        return "AggregatorConfig{applicationId=" + applicationId + ", kafka=" + kafka + ", http=" + httpHost + ":"
                + httpPort + "}";
    }

    /** Builder: {@link #setKafka} is required; every other setting starts at its {@code DEFAULT_X}. */
    public static final class Builder {
        private KafkaServiceConfig kafka;
        private String applicationId = DEFAULT_APPLICATION_ID;
        private Path stateDir;
        private String httpHost = DEFAULT_HTTP_HOST;
        private int httpPort = DEFAULT_HTTP_PORT;
        private String advertisedHost;
        private int emitEverySamples = DEFAULT_EMIT_EVERY_SAMPLES;
        private long emitIntervalMs = DEFAULT_EMIT_INTERVAL_MS;
        private long modelEmitIntervalMs = DEFAULT_MODEL_EMIT_INTERVAL_MS;
        private double edLambda = DEFAULT_ED_LAMBDA;
        private int streamThreads = DEFAULT_STREAM_THREADS;
        private int earlySampleBufferMax = DEFAULT_EARLY_SAMPLE_BUFFER;
        private long earlySampleTimeoutMs = DEFAULT_EARLY_SAMPLE_TIMEOUT_MS;
        private int objectCacheEntries = DEFAULT_OBJECT_CACHE;
        private int maxRecordAttempts = DEFAULT_MAX_RECORD_ATTEMPTS;
        private int metricsMaxModelVersions = DEFAULT_METRICS_MAX_MODEL_VERSIONS;
        private int metricsMaxRollups = DEFAULT_METRICS_MAX_ROLLUPS;
        private int maxEventSubscribers = DEFAULT_MAX_EVENT_SUBSCRIBERS;
        private int queryThreads = DEFAULT_QUERY_THREADS;
        private int queryQueue = DEFAULT_QUERY_QUEUE;

        private Builder() {}

        /**
         * Cluster, registry (required here: the aggregator reads and writes Avro), topics, membership and request
         * limits; required.
         *
         * @throws IllegalArgumentException without a registry URL, or with a pass-through key the aggregator reserves
         */
        public Builder setKafka(KafkaServiceConfig v) {
            Objects.requireNonNull(v, "kafka")
                    .refuseReservedKeys(RESERVED_KAFKA_KEYS)
                    .requireSchemaRegistryUrl();
            this.kafka = v;
            return this;
        }

        public Builder optApplicationId(String v) {
            this.applicationId = requireNonBlank(v, "application id");
            return this;
        }

        /** Kafka Streams state directory (default: Streams' own). */
        public Builder optStateDir(Path v) {
            this.stateDir = v;
            return this;
        }

        public Builder optHttpHost(String v) {
            this.httpHost = HostPort.requireHost(v, "http host");
            return this;
        }

        public Builder optHttpPort(int v) {
            this.httpPort = HostPort.requirePort(v, "http port");
            return this;
        }

        /** Default: the http host. */
        public Builder optAdvertisedHost(String v) {
            this.advertisedHost = v;
            return this;
        }

        public Builder optEmitEverySamples(int v) {
            this.emitEverySamples = atLeast(v, 0, "emit-every-samples must be >= 0, got ");
            return this;
        }

        public Builder optEmitIntervalMs(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("emit interval must be >= 0 ms, got " + v);
            }
            this.emitIntervalMs = v;
            return this;
        }

        public Builder optModelEmitIntervalMs(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("model emit interval must be >= 0 ms, got " + v);
            }
            this.modelEmitIntervalMs = v;
            return this;
        }

        public Builder optEdLambda(double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("ED lambda must be a finite number >= 0, got " + v);
            }
            this.edLambda = v;
            return this;
        }

        /** Kafka Streams stream threads of this instance ({@code num.stream.threads}). */
        public Builder optStreamThreads(int v) {
            this.streamThreads = atLeast(v, 1, "stream threads must be >= 1, got ");
            return this;
        }

        /** Most early samples buffered per task (0: none). */
        public Builder optEarlySampleBufferMax(int v) {
            this.earlySampleBufferMax = atLeast(v, 0, "early-sample buffer size must be >= 0, got ");
            return this;
        }

        /** Deadline for a buffered early sample's request, in wall-clock ms. */
        public Builder optEarlySampleTimeoutMs(long v) {
            if (v < 1) {
                throw new IllegalArgumentException("early-sample timeout must be >= 1 ms, got " + v);
            }
            this.earlySampleTimeoutMs = v;
            return this;
        }

        /** Decoded requests / request states cached per task. */
        public Builder optObjectCacheEntries(int v) {
            this.objectCacheEntries = atLeast(v, 1, "object cache entries must be >= 1, got ");
            return this;
        }

        public Builder optMaxRecordAttempts(int v) {
            this.maxRecordAttempts = atLeast(v, 1, "max record attempts must be >= 1, got ");
            return this;
        }

        /** Distinct model versions labelled on the per-version meters, 1..100000. */
        public Builder optMetricsMaxModelVersions(int v) {
            this.metricsMaxModelVersions = inRange(v, 1, 100_000, "metrics max model versions");
            return this;
        }

        /** (Model version, suite, split) roll-ups published as gauges, 1..100000. */
        public Builder optMetricsMaxRollups(int v) {
            this.metricsMaxRollups = inRange(v, 1, 100_000, "metrics max roll-ups");
            return this;
        }

        /** Dashboard event streams open at once, 1..10000. */
        public Builder optMaxEventSubscribers(int v) {
            this.maxEventSubscribers = inRange(v, 1, 10_000, "max event subscribers");
            return this;
        }

        /** Threads running REST queries, 1..256. */
        public Builder optQueryThreads(int v) {
            this.queryThreads = inRange(v, 1, 256, "query threads");
            return this;
        }

        /** REST queries waiting for a thread, 0..100000 (0: none wait, a busy pool answers 503 at once). */
        public Builder optQueryQueue(int v) {
            this.queryQueue = inRange(v, 0, 100_000, "query queue");
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException "Kafka settings are required (setKafka)" without {@link #setKafka}
         */
        public AggregatorConfig build() {
            if (kafka == null) {
                throw new IllegalArgumentException("Kafka settings are required (setKafka)");
            }
            return new AggregatorConfig(
                    kafka,
                    applicationId,
                    stateDir,
                    httpHost,
                    httpPort,
                    advertisedHost == null ? httpHost : advertisedHost,
                    emitEverySamples,
                    emitIntervalMs,
                    modelEmitIntervalMs,
                    edLambda,
                    streamThreads,
                    earlySampleBufferMax,
                    earlySampleTimeoutMs,
                    objectCacheEntries,
                    maxRecordAttempts,
                    metricsMaxModelVersions,
                    metricsMaxRollups,
                    maxEventSubscribers,
                    queryThreads,
                    queryQueue);
        }

        private static int atLeast(int v, int min, String message) {
            if (v < min) {
                throw new IllegalArgumentException(message + v);
            }
            return v;
        }

        private static int inRange(int v, int min, int max, String what) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " must be in " + min + ".." + max + ", got " + v);
            }
            return v;
        }

        private static String requireNonBlank(String v, String what) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(what + " must not be empty");
            }
            return v;
        }
    }
}
