package dev.probeval.worker;

import dev.probeval.serde.AvroSerdeConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Everything a {@link SamplerWorker} needs: Kafka and registry endpoints, the models it serves and its limits. */
public final class WorkerConfig {
  /** Default consumer group: workers sharing it split the request partitions between them. */
  public static final String DEFAULT_GROUP_ID = "probeval-sampler-worker";
  /** Default number of samples drawn per chunk (and per transaction). */
  public static final int DEFAULT_CHUNK_SIZE = 32;
  /** Default largest {@code decoding.maxNewTokens} a request may ask for; larger requests are dead-lettered. */
  public static final int DEFAULT_MAX_NEW_TOKENS_LIMIT = 4096;
  /** Default largest {@code numSamples} a request may ask for; larger requests are dead-lettered. */
  public static final int DEFAULT_MAX_SAMPLES_LIMIT = 1_000_000;
  /** Default longest wait of one consumer poll while the worker is idle. */
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);
  /** Default pause after an aborted transaction before the worker reads again from the committed offsets. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
  /** Default producer {@code transaction.timeout.ms}: one chunk must commit within it. */
  public static final int DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
  /** Smallest accepted transaction timeout: below it a chunk of a real model rarely commits in time. */
  public static final int MIN_TRANSACTION_TIMEOUT_MS = 1000;
  /** Default partition count of topics the worker creates: 0, it creates none (they are provisioned elsewhere). */
  public static final int DEFAULT_CREATE_TOPICS_PARTITIONS = 0;
  /** Default replication factor of topics the worker creates. */
  public static final short DEFAULT_REPLICATION_FACTOR = 1;
  /** Default interface of the metrics endpoint. */
  public static final String DEFAULT_METRICS_HOST = "127.0.0.1";
  /**
   * Default consumer {@code session.timeout.ms}: 15 s instead of the client's 45 s, so a worker that died without
   * leaving the group (kill -9) is dropped sooner. With static membership (an explicit worker id) a restarted worker
   * does not wait for it at all.
   */
  public static final int DEFAULT_SESSION_TIMEOUT_MS = 15_000;
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

  private final String bootstrapServers;
  private final Map<String, Object> serdeConfig;
  private final String groupId;
  private final String workerId;
  private final ModelCatalog catalog;
  private final BackendFactory backendFactory;
  private final int chunkSize;
  private final int maxNewTokensLimit;
  private final int maxSamplesLimit;
  private final dev.probeval.contract.RequestLimits requestLimits;
  private final Duration pollTimeout;
  private final Duration retryBackoff;
  private final int transactionTimeoutMs;
  private final Map<String, Object> kafkaConfig;
  private final Map<String, Object> consumerConfig;
  private final Map<String, Object> producerConfig;
  private final int createTopicsPartitions;
  private final short replicationFactor;
  private final String metricsHost;
  private final int metricsPort;
  private final boolean preloadModels;
  private final String groupInstanceId;
  private final int sessionTimeoutMs;
  private final int maxIdentifierChars;
  private final int maxProduceAttempts;
  private final Duration stuckAfter;
  private final Duration shutdownTimeout;
  private final boolean allowInsecureApiKey;

  private WorkerConfig(Builder b) {
    if (b.bootstrapServers == null) {
      throw new IllegalArgumentException("bootstrap servers are required");
    }
    this.bootstrapServers = b.bootstrapServers;
    this.serdeConfig = Map.copyOf(b.serdeConfig);
    if (!serdeConfig.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL)) {
      throw new IllegalArgumentException("the schema registry URL is required");
    }
    this.groupId = b.groupId;
    this.workerId = b.workerId != null ? b.workerId : defaultWorkerId();
    if (b.catalog == null) {
      throw new IllegalArgumentException("at least one model version must be configured");
    }
    if (!b.allowInsecureApiKey) {
      for (ModelSpec spec : b.catalog.specs()) {
        if (spec.isHttp() && spec.endpoint().sendsKeyInClear()) {
          throw new IllegalArgumentException("model " + spec.version() + ": the API key ($"
              + spec.endpoint().apiKeyEnv() + ") would be sent over plain http to " + spec.endpoint().label()
              + "; use https, a loopback address, or allow it explicitly (--allow-insecure-api-key)");
        }
      }
    }
    this.catalog = b.catalog;
    this.backendFactory = b.backendFactory;
    this.chunkSize = b.chunkSize;
    this.maxNewTokensLimit = b.maxNewTokensLimit;
    this.maxSamplesLimit = b.maxSamplesLimit;
    this.requestLimits = b.requestLimits;
    this.pollTimeout = b.pollTimeout;
    this.retryBackoff = b.retryBackoff;
    this.transactionTimeoutMs = b.transactionTimeoutMs;
    this.kafkaConfig = Map.copyOf(b.kafkaConfig);
    this.consumerConfig = Map.copyOf(b.consumerConfig);
    this.producerConfig = Map.copyOf(b.producerConfig);
    this.createTopicsPartitions = b.createTopicsPartitions;
    this.replicationFactor = b.replicationFactor;
    this.metricsHost = b.metricsHost;
    this.metricsPort = b.metricsPort;
    this.preloadModels = b.preloadModels;
    this.groupInstanceId = b.workerId != null && b.staticMembership ? b.workerId : null;
    this.sessionTimeoutMs = b.sessionTimeoutMs;
    this.maxIdentifierChars = b.maxIdentifierChars;
    this.maxProduceAttempts = b.maxProduceAttempts;
    this.stuckAfter = b.stuckAfter;
    this.shutdownTimeout = b.shutdownTimeout;
    this.allowInsecureApiKey = b.allowInsecureApiKey;
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

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Serde properties under Confluent's keys ({@code schema.registry.url}, ...). */
  public Map<String, Object> serdeConfig() {
    return serdeConfig;
  }

  public String groupId() {
    return groupId;
  }

  /** Names this instance in samples and in its transactional id {@code probeval-worker-<workerId>}. */
  public String workerId() {
    return workerId;
  }

  public String transactionalId() {
    return "probeval-worker-" + workerId;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  public BackendFactory backendFactory() {
    return backendFactory;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public int maxNewTokensLimit() {
    return maxNewTokensLimit;
  }

  public int maxSamplesLimit() {
    return maxSamplesLimit;
  }

  /**
   * The shared request contract's limits (default {@code RequestLimits.defaults()}); must equal the aggregator's, since
   * a request they reject is skipped here and dead-lettered there.
   */
  public dev.probeval.contract.RequestLimits requestLimits() {
    return requestLimits;
  }

  public Duration pollTimeout() {
    return pollTimeout;
  }

  public Duration retryBackoff() {
    return retryBackoff;
  }

  public int transactionTimeoutMs() {
    return transactionTimeoutMs;
  }

  /** Kafka client properties every client of the worker gets: consumer, producer and admin (security, SASL, ...). */
  public Map<String, Object> kafkaConfig() {
    return kafkaConfig;
  }

  /** Consumer-only properties; they override {@link #kafkaConfig()}. */
  public Map<String, Object> consumerConfig() {
    return consumerConfig;
  }

  /** Producer-only properties; they override {@link #kafkaConfig()}. */
  public Map<String, Object> producerConfig() {
    return producerConfig;
  }

  /** Partitions of topics the worker creates when they are missing; 0: create none. */
  public int createTopicsPartitions() {
    return createTopicsPartitions;
  }

  public short replicationFactor() {
    return replicationFactor;
  }

  public String metricsHost() {
    return metricsHost;
  }

  /** Port of the Prometheus endpoint; -1: none, 0: any free port. */
  public int metricsPort() {
    return metricsPort;
  }

  /** Open every configured model before joining the group (instead of on first use). */
  public boolean preloadModels() {
    return preloadModels;
  }

  /**
   * The consumer's {@code group.instance.id} (static membership): the worker id when one was given explicitly (a
   * stable slot name) and static membership is on (default), else null (dynamic membership; the default worker id
   * {@code <host>-<pid>} changes on every restart, so it would not help).
   */
  public String groupInstanceId() {
    return groupInstanceId;
  }

  /** The consumer's {@code session.timeout.ms} (default {@value #DEFAULT_SESSION_TIMEOUT_MS}). */
  public int sessionTimeoutMs() {
    return sessionTimeoutMs;
  }

  /** Longest identifier a request may have (default {@value #DEFAULT_MAX_IDENTIFIER_CHARS}). */
  public int maxIdentifierChars() {
    return maxIdentifierChars;
  }

  /**
   * Tries of a request's records before it is rejected, then skipped (default {@value #DEFAULT_MAX_PRODUCE_ATTEMPTS}).
   */
  public int maxProduceAttempts() {
    return maxProduceAttempts;
  }

  /** How long retrying without a commit makes the worker STUCK (default {@link #DEFAULT_STUCK_AFTER}). */
  public Duration stuckAfter() {
    return stuckAfter;
  }

  /** Longest {@link SamplerWorker#close()} takes (default {@link #DEFAULT_SHUTDOWN_TIMEOUT}). */
  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** Whether an API key may go over plain http to a host that is not loopback (default false: refused). */
  public boolean allowInsecureApiKey() {
    return allowInsecureApiKey;
  }

  @Override
  public String toString() {
    return "WorkerConfig{bootstrap=" + bootstrapServers + ", group=" + groupId + ", worker=" + workerId + ", models="
        + catalog.versions() + ", chunkSize=" + chunkSize + "}";
  }

  /** Builder; bootstrap servers, the registry URL and at least one model are required. */
  public static final class Builder {
    private String bootstrapServers;
    private final Map<String, Object> serdeConfig = new HashMap<>();
    private String groupId = DEFAULT_GROUP_ID;
    private String workerId;
    private ModelCatalog catalog;
    private BackendFactory backendFactory = BackendFactory.standard();
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int maxNewTokensLimit = DEFAULT_MAX_NEW_TOKENS_LIMIT;
    private int maxSamplesLimit = DEFAULT_MAX_SAMPLES_LIMIT;
    private dev.probeval.contract.RequestLimits requestLimits = dev.probeval.contract.RequestLimits.defaults();
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
    private int transactionTimeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS;
    private final Map<String, Object> kafkaConfig = new LinkedHashMap<>();
    private final Map<String, Object> consumerConfig = new LinkedHashMap<>();
    private final Map<String, Object> producerConfig = new LinkedHashMap<>();
    private int createTopicsPartitions = DEFAULT_CREATE_TOPICS_PARTITIONS;
    private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
    private String metricsHost = DEFAULT_METRICS_HOST;
    private int metricsPort = NO_METRICS_PORT;
    private boolean preloadModels;
    private boolean staticMembership = true;
    private int sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS;
    private int maxIdentifierChars = DEFAULT_MAX_IDENTIFIER_CHARS;
    private int maxProduceAttempts = DEFAULT_MAX_PRODUCE_ATTEMPTS;
    private Duration stuckAfter = DEFAULT_STUCK_AFTER;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private boolean allowInsecureApiKey;

    /** Kafka's {@code bootstrap.servers}, for example {@code 127.0.0.1:9092}; required. */
    public Builder setBootstrapServers(String v) {
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException("bootstrap servers must not be empty");
      }
      this.bootstrapServers = v;
      return this;
    }

    /**
     * The schema registry's base URL(s), comma-separated, each {@code http://}, {@code https://} (or
     * {@code mock://<scope>} for an in-memory registry in tests); required.
     */
    public Builder setSchemaRegistryUrl(String url) {
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException("schema registry URL must not be empty");
      }
      for (String u : url.split(",")) {
        String t = u.trim();
        if (!t.startsWith("http://") && !t.startsWith("https://") && !t.startsWith("mock://")) {
          throw new IllegalArgumentException("schema registry URL must be an http(s) URL, got '" + t + "'");
        }
      }
      serdeConfig.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url);
      return this;
    }

    /** Any serde property under Confluent's keys (basic auth, ...). */
    public Builder optSerdeConfig(String key, Object value) {
      serdeConfig.put(requireKey(key, "serde"), requireValue(key, value, "serde"));
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
      if (f == null) {
        throw new IllegalArgumentException("backend factory must not be null");
      }
      this.backendFactory = f;
      return this;
    }

    /** Samples per chunk and per transaction (default {@value #DEFAULT_CHUNK_SIZE}). */
    public Builder optChunkSize(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("chunk size must be >= 1, got " + v);
      }
      this.chunkSize = v;
      return this;
    }

    /** Largest accepted {@code decoding.maxNewTokens} (default {@value #DEFAULT_MAX_NEW_TOKENS_LIMIT}). */
    public Builder optMaxNewTokensLimit(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("max-new-tokens limit must be >= 1, got " + v);
      }
      this.maxNewTokensLimit = v;
      return this;
    }

    /** Largest accepted {@code numSamples} (default {@value #DEFAULT_MAX_SAMPLES_LIMIT}). */
    public Builder optMaxSamplesLimit(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("samples limit must be >= 1, got " + v);
      }
      this.maxSamplesLimit = v;
      return this;
    }

    /** The shared request contract's limits (give the aggregator the same). */
    public Builder optRequestLimits(dev.probeval.contract.RequestLimits v) {
      this.requestLimits = java.util.Objects.requireNonNull(v, "request limits");
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
      if (v < MIN_TRANSACTION_TIMEOUT_MS) {
        throw new IllegalArgumentException("transaction timeout must be >= " + MIN_TRANSACTION_TIMEOUT_MS
            + " ms, got " + v);
      }
      this.transactionTimeoutMs = v;
      return this;
    }

    /**
     * A Kafka client property for every client the worker creates: consumer, producer and the admin client that
     * creates topics (for example {@code security.protocol} or SASL settings). It overrides the worker's own
     * defaults; {@link #optConsumerConfig} and {@link #optProducerConfig} override it; the settings exactly-once needs
     * and {@code bootstrap.servers} cannot be overridden.
     */
    public Builder optKafkaConfig(String key, Object value) {
      kafkaConfig.put(requireKey(key, "Kafka"), requireValue(key, value, "Kafka"));
      return this;
    }

    /** A consumer property (overrides {@link #optKafkaConfig} and the worker's defaults, not exactly-once's). */
    public Builder optConsumerConfig(String key, Object value) {
      consumerConfig.put(requireKey(key, "consumer"), requireValue(key, value, "consumer"));
      return this;
    }

    /** A producer property (overrides {@link #optKafkaConfig} and the worker's defaults, not exactly-once's). */
    public Builder optProducerConfig(String key, Object value) {
      producerConfig.put(requireKey(key, "producer"), requireValue(key, value, "producer"));
      return this;
    }

    /**
     * Create missing probeval topics with this many partitions at start; 0 (default
     * {@value #DEFAULT_CREATE_TOPICS_PARTITIONS}): do not create.
     */
    public Builder optCreateTopics(int partitions, short replicationFactor) {
      if (partitions < 0) {
        throw new IllegalArgumentException("partitions must be >= 0 (0: create no topics), got " + partitions);
      }
      if (replicationFactor < 1) {
        throw new IllegalArgumentException("replication factor must be >= 1, got " + replicationFactor);
      }
      this.createTopicsPartitions = partitions;
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** Serve Prometheus metrics on {@code host:port}/metrics; port 0 picks a free one. */
    public Builder optMetricsEndpoint(String host, int port) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("metrics host must not be empty");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("metrics port must be in 0..65535, got " + port);
      }
      this.metricsHost = host;
      this.metricsPort = port;
      return this;
    }

    /** Open every configured model at start, so a bad path fails the start and no request waits for a load. */
    public Builder optPreloadModels(boolean v) {
      this.preloadModels = v;
      return this;
    }

    /**
     * Whether an explicit worker id also becomes the consumer's {@code group.instance.id} (default true). Off: dynamic
     * membership, a restarted worker waits for its predecessor's session to time out (used to measure the difference).
     */
    public Builder optStaticMembership(boolean v) {
      this.staticMembership = v;
      return this;
    }

    /**
     * The consumer's {@code session.timeout.ms} (default {@value #DEFAULT_SESSION_TIMEOUT_MS}); the broker accepts
     * 6000..1800000 by default.
     */
    public Builder optSessionTimeoutMs(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("session timeout must be >= 1 ms, got " + v);
      }
      this.sessionTimeoutMs = v;
      return this;
    }

    /**
     * Longest {@code requestId}, {@code modelVersion}, {@code promptId}, {@code suite} and {@code split} a request may
     * have (default {@value #DEFAULT_MAX_IDENTIFIER_CHARS}, 16..{@value #MAX_IDENTIFIER_CHARS_LIMIT}).
     */
    public Builder optMaxIdentifierChars(int v) {
      if (v < 16 || v > MAX_IDENTIFIER_CHARS_LIMIT) {
        throw new IllegalArgumentException("identifier limit must be in 16.." + MAX_IDENTIFIER_CHARS_LIMIT + ", got "
            + v);
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
     * The configuration.
     *
     * @throws IllegalArgumentException if the bootstrap servers, the registry URL or the models are missing, or a
     *     model's API key would go over plain http to a host that is not loopback without
     *     {@link #optAllowInsecureApiKey}
     */
    public WorkerConfig build() {
      return new WorkerConfig(this);
    }

    private static String requireKey(String key, String kind) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(kind + " property name must not be empty");
      }
      return key;
    }

    private static Object requireValue(String key, Object value, String kind) {
      if (value == null) {
        throw new IllegalArgumentException(kind + " property " + key + " must have a value, got null");
      }
      return value;
    }
  }
}
