package dev.probeval.worker;

import dev.probeval.serde.AvroSerdeConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Everything a {@link SamplerWorker} needs: Kafka and registry endpoints, the models it serves and its limits. */
public final class WorkerConfig {
  /** Default consumer group: workers sharing it split the request partitions between them. */
  public static final String DEFAULT_GROUP_ID = "probeval-sampler-worker";
  /** Default number of samples drawn per chunk (and per transaction). */
  public static final int DEFAULT_CHUNK_SIZE = 32;

  private final String bootstrapServers;
  private final Map<String, Object> serdeConfig;
  private final String groupId;
  private final String workerId;
  private final ModelCatalog catalog;
  private final BackendFactory backendFactory;
  private final int chunkSize;
  private final int maxNewTokensLimit;
  private final int maxSamplesLimit;
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

  private WorkerConfig(Builder b) {
    this.bootstrapServers = Objects.requireNonNull(b.bootstrapServers, "bootstrapServers");
    this.serdeConfig = Map.copyOf(b.serdeConfig);
    if (!serdeConfig.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL)) {
      throw new IllegalArgumentException("the schema registry URL is required");
    }
    this.groupId = b.groupId;
    this.workerId = b.workerId != null ? b.workerId : defaultWorkerId();
    this.catalog = Objects.requireNonNull(b.catalog, "models");
    if (catalog.isEmpty()) {
      throw new IllegalArgumentException("at least one model version must be configured");
    }
    this.backendFactory = b.backendFactory;
    this.chunkSize = b.chunkSize;
    this.maxNewTokensLimit = b.maxNewTokensLimit;
    this.maxSamplesLimit = b.maxSamplesLimit;
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

  public Duration pollTimeout() {
    return pollTimeout;
  }

  public Duration retryBackoff() {
    return retryBackoff;
  }

  public int transactionTimeoutMs() {
    return transactionTimeoutMs;
  }

  /** Kafka client properties for every client the worker creates (consumer, producer, admin). */
  public Map<String, Object> kafkaConfig() {
    return kafkaConfig;
  }

  public Map<String, Object> consumerConfig() {
    return consumerConfig;
  }

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
    private BackendFactory backendFactory = BackendFactory.djl();
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int maxNewTokensLimit = 4096;
    private int maxSamplesLimit = 1_000_000;
    private Duration pollTimeout = Duration.ofMillis(200);
    private Duration retryBackoff = Duration.ofSeconds(1);
    private int transactionTimeoutMs = 60_000;
    private final Map<String, Object> kafkaConfig = new LinkedHashMap<>();
    private final Map<String, Object> consumerConfig = new LinkedHashMap<>();
    private final Map<String, Object> producerConfig = new LinkedHashMap<>();
    private int createTopicsPartitions;
    private short replicationFactor = 1;
    private String metricsHost = "127.0.0.1";
    private int metricsPort = -1;
    private boolean preloadModels;

    public Builder setBootstrapServers(String v) {
      this.bootstrapServers = v;
      return this;
    }

    public Builder setSchemaRegistryUrl(String url) {
      serdeConfig.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url);
      return this;
    }

    /** Any serde property under Confluent's keys (basic auth, ...). */
    public Builder optSerdeConfig(String key, Object value) {
      serdeConfig.put(key, value);
      return this;
    }

    public Builder setModels(ModelCatalog catalog) {
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

    public Builder optBackendFactory(BackendFactory f) {
      this.backendFactory = Objects.requireNonNull(f);
      return this;
    }

    public Builder optChunkSize(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("chunk size must be >= 1, got " + v);
      }
      this.chunkSize = v;
      return this;
    }

    public Builder optMaxNewTokensLimit(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("max-new-tokens limit must be >= 1, got " + v);
      }
      this.maxNewTokensLimit = v;
      return this;
    }

    public Builder optMaxSamplesLimit(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("samples limit must be >= 1, got " + v);
      }
      this.maxSamplesLimit = v;
      return this;
    }

    public Builder optPollTimeout(Duration v) {
      this.pollTimeout = v;
      return this;
    }

    public Builder optRetryBackoff(Duration v) {
      this.retryBackoff = v;
      return this;
    }

    /** Longest a chunk's transaction may stay open before the broker aborts it (default 60 s). */
    public Builder optTransactionTimeoutMs(int v) {
      if (v < 1000) {
        throw new IllegalArgumentException("transaction timeout must be >= 1000 ms, got " + v);
      }
      this.transactionTimeoutMs = v;
      return this;
    }

    /**
     * A Kafka client property for every client the worker creates (consumer, producer and the admin that creates
     * topics), for example security.protocol or sasl.*; the consumer- and producer-specific ones win over it, and
     * the settings exactly-once needs over both.
     */
    public Builder optKafkaConfig(String key, Object value) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("Kafka config key must not be empty");
      }
      kafkaConfig.put(key.strip(), value);
      return this;
    }

    /** Any consumer property (overrides the worker's own settings except the ones exactly-once needs). */
    public Builder optConsumerConfig(String key, Object value) {
      consumerConfig.put(key, value);
      return this;
    }

    /** Any producer property (overrides the worker's own settings except the ones exactly-once needs). */
    public Builder optProducerConfig(String key, Object value) {
      producerConfig.put(key, value);
      return this;
    }

    /** Create missing probeval topics with this many partitions at start; 0 (default): do not create. */
    public Builder optCreateTopics(int partitions, short replicationFactor) {
      if (partitions < 0 || replicationFactor < 1) {
        throw new IllegalArgumentException("partitions must be >= 0 and replication factor >= 1");
      }
      this.createTopicsPartitions = partitions;
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** Serve Prometheus metrics on {@code host:port}/metrics; port 0 picks a free one. */
    public Builder optMetricsEndpoint(String host, int port) {
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

    public WorkerConfig build() {
      return new WorkerConfig(this);
    }
  }
}
