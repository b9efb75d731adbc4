package dev.probeval.worker;

import dev.probeval.http.HostPort;
import dev.probeval.kafka.KafkaServiceConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Everything a {@link SamplerWorker} needs: what every Kafka service has ({@link KafkaServiceConfig}: cluster,
 * registry, topics, membership, request limits), the models it serves and its own limits. Immutable; build with
 * {@link #builder()} ({@code setKafka} and {@code setModels} required, {@code optX} optional with its
 * {@code DEFAULT_X}).
 *
 * @param kafka cluster, registry, topics, membership and the request contract's limits (which must equal the
 *     aggregator's: a request they reject is skipped here and dead-lettered there)
 * @param groupId consumer group; workers sharing it split the request partitions between them
 * @param workerId names this instance in samples and in its transactional id {@code probeval-worker-<workerId>}
 * @param groupInstanceId the consumer's {@code group.instance.id} (static membership), or null (dynamic)
 * @param catalog the model versions this worker serves
 * @param backendFactory how models are opened
 * @param chunkSize samples drawn per chunk and per transaction
 * @param maxNewTokensLimit largest {@code decoding.maxNewTokens} this worker draws (at most the contract's)
 * @param maxSamplesLimit largest {@code numSamples} this worker draws (at most the contract's)
 * @param pollTimeout longest wait of one consumer poll while idle
 * @param retryBackoff pause after an aborted transaction before reading again from the committed offsets
 * @param transactionTimeoutMs the producer's {@code transaction.timeout.ms}: one chunk must commit within it
 * @param consumerConfig consumer-only pass-through properties; they override {@link KafkaServiceConfig#kafkaConfig()}
 * @param producerConfig producer-only pass-through properties; they override {@link KafkaServiceConfig#kafkaConfig()}
 * @param metricsHost interface of the metrics endpoint
 * @param metricsPort port of the Prometheus endpoint; -1: none, 0: any free port
 * @param preloadModels open every configured model before joining the group (instead of on first use)
 * @param maxIdentifierChars longest request identifier the worker draws a request with
 * @param maxProduceAttempts tries of a request's records before it is rejected, then skipped
 * @param stuckAfter how long retrying without a commit makes the worker STUCK
 * @param shutdownTimeout longest {@link SamplerWorker#close()} takes
 * @param allowInsecureApiKey whether an API key may go over plain http to a host that is not loopback
 */
public record WorkerConfig(
        KafkaServiceConfig kafka,
        String groupId,
        String workerId,
        String groupInstanceId,
        ModelCatalog catalog,
        BackendFactory backendFactory,
        int chunkSize,
        int maxNewTokensLimit,
        int maxSamplesLimit,
        Duration pollTimeout,
        Duration retryBackoff,
        int transactionTimeoutMs,
        Map<String, Object> consumerConfig,
        Map<String, Object> producerConfig,
        String metricsHost,
        int metricsPort,
        boolean preloadModels,
        int maxIdentifierChars,
        int maxProduceAttempts,
        Duration stuckAfter,
        Duration shutdownTimeout,
        boolean allowInsecureApiKey) {
    /** Default consumer group: workers sharing it split the request partitions between them. */
    public static final String DEFAULT_GROUP_ID = "probeval-sampler-worker";
    /** Default number of samples drawn per chunk (and per transaction). */
    public static final int DEFAULT_CHUNK_SIZE = 32;
    /**
     * Default largest {@code decoding.maxNewTokens} this worker draws; larger requests end REJECTED. Below the
     * contract's default ({@code RequestLimits.DEFAULT_MAX_NEW_TOKENS}), which it can only lower.
     */
    public static final int DEFAULT_MAX_NEW_TOKENS_LIMIT = 4096;
    /** Default longest wait of one consumer poll while the worker is idle. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);
    /** Default pause after an aborted transaction before the worker reads again from the committed offsets. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** Default producer {@code transaction.timeout.ms}: one chunk must commit within it. */
    public static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
    /** Smallest accepted transaction timeout: below it a chunk of a real model rarely commits in time. */
    public static final int MIN_TRANSACTION_TIMEOUT_MS = 1000;
    /** Default interface of the metrics endpoint. */
    public static final String DEFAULT_METRICS_HOST = "127.0.0.1";
    /** Metrics port meaning "serve no metrics endpoint" (the default). */
    public static final int NO_METRICS_PORT = -1;
    /**
     * Default longest identifier ({@code requestId}, {@code modelVersion}, {@code promptId}, {@code suite},
     * {@code split}) the worker draws a request with. Each sample record copies all five, so this bounds the records'
     * size whatever the request holds; a longer one ends the request REJECTED ({@code WORKER_LIMIT_EXCEEDED}), or, for
     * a longer request id, which a REJECTED notice must carry whole, skips it.
     */
    public static final int DEFAULT_MAX_IDENTIFIER_CHARS = 1000;
    /** Largest accepted identifier limit: five identifiers and a key of this size keep a record far below 1 MB. */
    public static final int MAX_IDENTIFIER_CHARS_LIMIT = 4096;
    /**
     * Default tries of one request's transaction that fail because of its own records (too large for the broker,
     * unserializable) before the worker gives up on them: it then ends the request REJECTED with a small notice, and if
     * even that fails, skips the request.
     */
    public static final int DEFAULT_MAX_PRODUCE_ATTEMPTS = 3;
    /**
     * Default time a worker may keep retrying failed transactions without committing anything while it has work before
     * {@code /health/live} reports it STUCK (503), so an orchestrator restarts it. Not while the broker is unreachable:
     * that is an outage, which a restart does not fix.
     */
    public static final Duration DEFAULT_STUCK_AFTER = Duration.ofMinutes(5);
    /**
     * Default longest {@link SamplerWorker#close()} takes: the chunk being drawn gets half of it to finish and commit,
     * then it is abandoned (nothing of it is committed; the request resumes before it wherever its partition goes).
     */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    /** {@link #DEFAULT_SHUTDOWN_TIMEOUT} as the command line writes it. */
    public static final String DEFAULT_SHUTDOWN_TIMEOUT_TEXT = "30s";

    /**
     * Pass-through keys the worker refuses (beside {@link KafkaServiceConfig#RESERVED_KEYS}), in
     * {@link KafkaServiceConfig#kafkaConfig()} and in the consumer- and producer-only properties: a dedicated setting
     * owns them, or exactly-once depends on them.
     */
    public static final Map<String, String> RESERVED_KAFKA_KEYS = Map.of(
            ConsumerConfig.GROUP_ID_CONFIG,
            "set it with optGroupId (--group-id)",
            ConsumerConfig.CLIENT_ID_CONFIG,
            "each client's id derives from the worker id (--worker-id)",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            "the worker commits offsets in its transactions (exactly-once)",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "the worker reads committed records only (exactly-once)",
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            "it derives from the worker id (--worker-id)",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            "exactly-once needs an idempotent producer",
            ProducerConfig.ACKS_CONFIG,
            "exactly-once needs acks=all",
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
            "set it with optTransactionTimeoutMs (--transaction-timeout-ms)");

    /** Refuses a missing Kafka config or catalog and the keys the worker reserves. */
    public WorkerConfig {
        Objects.requireNonNull(kafka, "kafka").refuseReservedKeys(RESERVED_KAFKA_KEYS);
        Objects.requireNonNull(catalog, "catalog");
        consumerConfig = Collections.unmodifiableMap(new LinkedHashMap<>(consumerConfig));
        producerConfig = Collections.unmodifiableMap(new LinkedHashMap<>(producerConfig));
        consumerConfig.keySet().forEach(k -> KafkaServiceConfig.refuseReservedKey(k, RESERVED_KAFKA_KEYS));
        producerConfig.keySet().forEach(k -> KafkaServiceConfig.refuseReservedKey(k, RESERVED_KAFKA_KEYS));
    }

    /** {@code <host>-<pid>}: unique per process, but not stable across restarts (see docs/worker.md). */
    static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A {@link KafkaServiceConfig} builder that refuses the worker's reserved keys as they are given. */
    public static KafkaServiceConfig.Builder kafkaBuilder() {
        return KafkaServiceConfig.builder(RESERVED_KAFKA_KEYS);
    }

    String transactionalId() {
        return "probeval-worker-" + workerId;
    }

    @Override
    public String toString() {
        return "WorkerConfig{bootstrap=" + kafka.bootstrapServers() + ", group=" + groupId + ", worker=" + workerId
                + ", models=" + catalog.versions() + ", chunkSize=" + chunkSize + "}";
    }

    /** Builder; the Kafka settings (with a registry URL) and at least one model are required. */
    public static final class Builder {
        private KafkaServiceConfig kafka;
        private String groupId = DEFAULT_GROUP_ID;
        private String workerId;
        private ModelCatalog catalog;
        private BackendFactory backendFactory = BackendFactory.standard();
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int maxNewTokensLimit = DEFAULT_MAX_NEW_TOKENS_LIMIT;
        private Integer maxSamplesLimit;
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private int transactionTimeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS;
        private final Map<String, Object> consumerConfig = new LinkedHashMap<>();
        private final Map<String, Object> producerConfig = new LinkedHashMap<>();
        private String metricsHost = DEFAULT_METRICS_HOST;
        private int metricsPort = NO_METRICS_PORT;
        private boolean preloadModels;
        private boolean staticMembership = true;
        private int maxIdentifierChars = DEFAULT_MAX_IDENTIFIER_CHARS;
        private int maxProduceAttempts = DEFAULT_MAX_PRODUCE_ATTEMPTS;
        private Duration stuckAfter = DEFAULT_STUCK_AFTER;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private boolean allowInsecureApiKey;

        private Builder() {}

        /**
         * Cluster, registry (required here: the worker reads and writes Avro), topics, membership and request limits;
         * required.
         *
         * @throws IllegalArgumentException without a registry URL, or with a pass-through key the worker reserves
         */
        public Builder setKafka(KafkaServiceConfig v) {
            Objects.requireNonNull(v, "kafka")
                    .refuseReservedKeys(RESERVED_KAFKA_KEYS)
                    .requireSchemaRegistryUrl();
            this.kafka = v;
            return this;
        }

        /** The model versions this worker serves; required, with at least one version. */
        public Builder setModels(ModelCatalog catalog) {
            if (catalog == null || catalog.isEmpty()) {
                throw new IllegalArgumentException("at least one model version must be configured");
            }
            this.catalog = catalog;
            return this;
        }

        public Builder optGroupId(String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("group id must not be empty");
            }
            this.groupId = v;
            return this;
        }

        /** Stable per deployment slot (for example a pod name) so a restarted worker fences its predecessor at once. */
        public Builder optWorkerId(String v) {
            if (v == null || v.isBlank() || v.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("worker id must be non-empty without whitespace, got '" + v + "'");
            }
            this.workerId = v;
            return this;
        }

        /** How models are opened (default {@link BackendFactory#standard()}). */
        public Builder optBackendFactory(BackendFactory f) {
            this.backendFactory = Objects.requireNonNull(f, "backend factory");
            return this;
        }

        /** Samples per chunk and per transaction (default {@value #DEFAULT_CHUNK_SIZE}). */
        public Builder optChunkSize(int v) {
            this.chunkSize = atLeast(v, 1, "chunk size must be >= 1, got ");
            return this;
        }

        /**
         * Largest {@code decoding.maxNewTokens} this worker draws (default {@value #DEFAULT_MAX_NEW_TOKENS_LIMIT}); the
         * contract's limit applies first, so only a value below it has an effect.
         */
        public Builder optMaxNewTokensLimit(int v) {
            this.maxNewTokensLimit = atLeast(v, 1, "max-new-tokens limit must be >= 1, got ");
            return this;
        }

        /**
         * Largest {@code numSamples} this worker draws (default: the contract's {@code maxNumSamples}); the contract's
         * limit applies first, so only a value below it has an effect.
         */
        public Builder optMaxSamplesLimit(int v) {
            this.maxSamplesLimit = atLeast(v, 1, "samples limit must be >= 1, got ");
            return this;
        }

        /** Longest wait of one poll while idle (default {@link #DEFAULT_POLL_TIMEOUT}); must be positive. */
        public Builder optPollTimeout(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("poll timeout must be > 0, got " + v);
            }
            this.pollTimeout = v;
            return this;
        }

        /** Pause after an aborted transaction (default {@link #DEFAULT_RETRY_BACKOFF}); must not be negative. */
        public Builder optRetryBackoff(Duration v) {
            if (v == null || v.isNegative()) {
                throw new IllegalArgumentException("retry backoff must be >= 0, got " + v);
            }
            this.retryBackoff = v;
            return this;
        }

        /**
         * Longest a chunk's transaction may stay open before the broker aborts it (default
         * {@value #DEFAULT_TRANSACTION_TIMEOUT_MS} ms, at least {@value #MIN_TRANSACTION_TIMEOUT_MS}).
         */
        public Builder optTransactionTimeoutMs(int v) {
            this.transactionTimeoutMs = atLeast(
                    v,
                    MIN_TRANSACTION_TIMEOUT_MS,
                    "transaction timeout must be >= " + MIN_TRANSACTION_TIMEOUT_MS + " ms, got ");
            return this;
        }

        /** A consumer property (overrides the Kafka config and the worker's defaults, not exactly-once's). */
        public Builder optConsumerConfig(String key, Object value) {
            consumerConfig.put(requireProperty(key, value, "consumer"), value);
            return this;
        }

        /** A producer property (overrides the Kafka config and the worker's defaults, not exactly-once's). */
        public Builder optProducerConfig(String key, Object value) {
            producerConfig.put(requireProperty(key, value, "producer"), value);
            return this;
        }

        /** Serve Prometheus metrics on {@code host:port}/metrics; port 0 picks a free one. */
        public Builder optMetricsEndpoint(String host, int port) {
            this.metricsHost = HostPort.requireHost(host, "metrics host");
            this.metricsPort = HostPort.requirePort(port, "metrics port");
            return this;
        }

        /** Open every configured model at start, so a bad path fails the start and no request waits for a load. */
        public Builder optPreloadModels(boolean v) {
            this.preloadModels = v;
            return this;
        }

        /**
         * Whether an explicit worker id also becomes the consumer's {@code group.instance.id} (default true) when the
         * Kafka config names no instance id. Off: dynamic membership (used to measure the difference).
         */
        public Builder optStaticMembership(boolean v) {
            this.staticMembership = v;
            return this;
        }

        /**
         * Longest {@code requestId}, {@code modelVersion}, {@code promptId}, {@code suite} and {@code split} a request may
         * have (default {@value #DEFAULT_MAX_IDENTIFIER_CHARS}, 16..{@value #MAX_IDENTIFIER_CHARS_LIMIT}).
         */
        public Builder optMaxIdentifierChars(int v) {
            if (v < 16 || v > MAX_IDENTIFIER_CHARS_LIMIT) {
                throw new IllegalArgumentException(
                        "identifier limit must be in 16.." + MAX_IDENTIFIER_CHARS_LIMIT + ", got " + v);
            }
            this.maxIdentifierChars = v;
            return this;
        }

        /**
         * Tries of a request's transaction failing because of its own records before it is rejected with a small notice
         * (default {@value #DEFAULT_MAX_PRODUCE_ATTEMPTS}, 1..100).
         */
        public Builder optMaxProduceAttempts(int v) {
            if (v < 1 || v > 100) {
                throw new IllegalArgumentException("produce attempts must be in 1..100, got " + v);
            }
            this.maxProduceAttempts = v;
            return this;
        }

        /** Retrying without a commit this long makes the worker not live (default {@link #DEFAULT_STUCK_AFTER}). */
        public Builder optStuckAfter(Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException("stuck-after must be > 0, got " + v);
            }
            this.stuckAfter = v;
            return this;
        }

        /** Longest {@link SamplerWorker#close()} may take (default {@link #DEFAULT_SHUTDOWN_TIMEOUT}, at least 1 s). */
        public Builder optShutdownTimeout(Duration v) {
            if (v == null || v.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("shutdown timeout must be >= 1s, got " + v);
            }
            this.shutdownTimeout = v;
            return this;
        }

        /**
         * Let a model's API key go over plain {@code http://} to a host that is not loopback (default false: such a
         * configuration is refused, since anyone on the path can read the key).
         */
        public Builder optAllowInsecureApiKey(boolean v) {
            this.allowInsecureApiKey = v;
            return this;
        }

        /**
         * The configuration. The worker's own limits are capped at the contract's, which applies first.
         *
         * @throws IllegalArgumentException if the Kafka settings or the models are missing, or a model's API key would
         *     go over plain http to a host that is not loopback without {@link #optAllowInsecureApiKey}
         */
        public WorkerConfig build() {
            if (kafka == null) {
                throw new IllegalArgumentException("Kafka settings are required (setKafka)");
            }
            if (catalog == null) {
                throw new IllegalArgumentException("at least one model version must be configured");
            }
            if (!allowInsecureApiKey) {
                for (ModelSpec spec : catalog.specs()) {
                    if (spec.isHttp() && spec.endpoint().sendsKeyInClear()) {
                        throw new IllegalArgumentException("model " + spec.version() + ": the API key ($"
                                + spec.endpoint().apiKeyEnv() + ") would be sent over plain http to "
                                + spec.endpoint().label()
                                + "; use https, a loopback address, or allow it explicitly (--allow-insecure-api-key)");
                    }
                }
            }
            int contractSamples = kafka.requestLimits().maxNumSamples();
            int samples = maxSamplesLimit == null ? contractSamples : Math.min(maxSamplesLimit, contractSamples);
            int tokens = Math.min(maxNewTokensLimit, kafka.requestLimits().maxNewTokens());
            String id = workerId != null ? workerId : defaultWorkerId();
            String instance = kafka.instanceId() != null
                    ? kafka.instanceId()
                    : workerId != null && staticMembership ? workerId : null;
            return new WorkerConfig(
                    kafka,
                    groupId,
                    id,
                    instance,
                    catalog,
                    backendFactory,
                    chunkSize,
                    tokens,
                    samples,
                    pollTimeout,
                    retryBackoff,
                    transactionTimeoutMs,
                    consumerConfig,
                    producerConfig,
                    metricsHost,
                    metricsPort,
                    preloadModels,
                    maxIdentifierChars,
                    maxProduceAttempts,
                    stuckAfter,
                    shutdownTimeout,
                    allowInsecureApiKey);
        }

        private static int atLeast(int v, int min, String message) {
            if (v < min) {
                throw new IllegalArgumentException(message + v);
            }
            return v;
        }

        private static String requireProperty(String key, Object value, String kind) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException(kind + " property name must not be empty");
            }
            if (value == null) {
                throw new IllegalArgumentException(kind + " property " + key + " must have a value, got null");
            }
            KafkaServiceConfig.refuseReservedKey(key, KafkaServiceConfig.RESERVED_KEYS);
            KafkaServiceConfig.refuseReservedKey(key, RESERVED_KAFKA_KEYS);
            return key;
        }
    }
}
