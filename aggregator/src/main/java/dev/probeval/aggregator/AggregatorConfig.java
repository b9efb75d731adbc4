package dev.probeval.aggregator;

import dev.probeval.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the aggregator is configured with: where Kafka and the registry are, its Streams identity, how often it
 * emits bounds, and where the REST API listens. Immutable; build with {@link #builder()}.
 */
public final class AggregatorConfig {
  /** Default Kafka Streams application id (also the prefix of every internal topic). */
  public static final String DEFAULT_APPLICATION_ID = "probeval-aggregator";
  /**
   * Default partition count of the probeval topics the aggregator creates when they are missing: 3, the same as
   * {@code probeval broker}, {@code probeval worker} and {@code probeval aggregate}, so that topics created by any of
   * them are co-partitioned.
   */
  public static final int DEFAULT_PARTITIONS = 3;
  /** Default replication factor of the topics the aggregator creates (1: one-node development cluster). */
  public static final short DEFAULT_REPLICATION_FACTOR = 1;

  /**
   * Keys that {@link Builder#optKafkaConfig} refuses because a dedicated setting owns them (a pass-through value
   * would silently disagree with it) or because exactly-once counting depends on them.
   */
  private static final Map<String, String> RESERVED_KEYS = Map.of(
      StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "set it with bootstrapServers (--bootstrap-servers)",
      StreamsConfig.APPLICATION_ID_CONFIG, "set it with applicationId (--application-id)",
      StreamsConfig.APPLICATION_SERVER_CONFIG, "it is derived from the advertised host and the bound REST port",
      StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "the aggregator always runs exactly_once_v2",
      StreamsConfig.STATE_DIR_CONFIG, "set it with stateDir (--state-dir)",
      StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
      "the aggregator dead-letters a record that fails processing on every try (--max-record-attempts)",
      StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
      "the aggregator dead-letters a record whose output cannot be produced on every try (--max-record-attempts)");
  /** Prefix under which Kafka Streams passes settings to its admin client only; the aggregator's Admin honours it. */
  private static final String ADMIN_PREFIX = StreamsConfig.ADMIN_CLIENT_PREFIX;
  /**
   * Default {@code commit.interval.ms} (Streams' exactly-once default is 100); override with optKafkaConfig. Each
   * commit writes every request state changed since the last one and waits for the transaction; 500 ms keeps the
   * produced-to-visible p99 under 1 s (docs/benchmarks.md, "Streaming aggregator").
   */
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 500;
  /**
   * Default {@code session.timeout.ms} of the Streams consumers: 15 s instead of the client's 45 s, so that a member
   * that died without leaving (kill -9) is dropped from the group sooner. With an {@link #instanceId()} a restarted
   * instance does not wait for it at all: it takes its predecessor's place in the group at once.
   */
  public static final int DEFAULT_SESSION_TIMEOUT_MS = 15_000;
  /**
   * Default of {@link #maxRecordAttempts()}: a record whose processing or output fails three times in a row is
   * dead-lettered. Each failed try replaces the stream thread (seconds), so a poison record holds its partition for
   * well under a minute.
   */
  public static final int DEFAULT_MAX_RECORD_ATTEMPTS = 3;
  /**
   * Most bytes (record keys and values) the early-sample buffer of one task holds, beside its count limit
   * ({@link #earlySampleBufferMax()}): 64 MiB. A sample beyond it is dead-lettered as UNKNOWN_REQUEST, as when the
   * count is reached.
   */
  public static final long EARLY_SAMPLE_BUFFER_BYTES = 64L * 1024 * 1024;

  private final String applicationId;
  private final String bootstrapServers;
  private final String schemaRegistryUrl;
  private final Map<String, Object> serdeConfig;
  private final Path stateDir;
  private final String httpHost;
  private final int httpPort;
  private final String advertisedHost;
  private final int emitEverySamples;
  private final long emitIntervalMs;
  private final long modelEmitIntervalMs;
  private final double edLambda;
  private final int partitions;
  private final short replicationFactor;
  private final boolean createTopics;
  private final Map<String, Object> kafkaConfig;
  private final int earlySampleBufferMax;
  private final long earlySampleTimeoutMs;
  private final int objectCacheEntries;
  private final dev.probeval.contract.RequestLimits requestLimits;
  private final String instanceId;
  private final int sessionTimeoutMs;
  private final int maxRecordAttempts;
  // Serving limits: bounds on what clients can make the REST API, the dashboard and /metrics hold.
  private final int metricsMaxModelVersions;
  private final int metricsMaxRollups;
  private final int maxEventSubscribers;
  private final int queryThreads;
  private final int queryQueue;

  private AggregatorConfig(Builder b) {
    this.applicationId = b.applicationId;
    this.bootstrapServers = b.bootstrapServers;
    this.schemaRegistryUrl = b.schemaRegistryUrl;
    Map<String, Object> serde = new HashMap<>(b.serdeConfig);
    serde.putIfAbsent(AvroSerdeConfig.SCHEMA_REGISTRY_URL, b.schemaRegistryUrl);
    this.serdeConfig = Map.copyOf(serde);
    this.stateDir = b.stateDir;
    this.httpHost = b.httpHost;
    this.httpPort = b.httpPort;
    this.advertisedHost = b.advertisedHost == null ? b.httpHost : b.advertisedHost;
    this.emitEverySamples = b.emitEverySamples;
    this.emitIntervalMs = b.emitIntervalMs;
    this.modelEmitIntervalMs = b.modelEmitIntervalMs;
    this.edLambda = b.edLambda;
    this.partitions = b.partitions;
    this.replicationFactor = b.replicationFactor;
    this.createTopics = b.createTopics;
    this.kafkaConfig = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.kafkaConfig));
    this.earlySampleBufferMax = b.earlySampleBufferMax;
    this.earlySampleTimeoutMs = b.earlySampleTimeoutMs;
    this.objectCacheEntries = b.objectCacheEntries;
    this.requestLimits = b.requestLimits;
    this.instanceId = b.instanceId;
    this.sessionTimeoutMs = b.sessionTimeoutMs;
    this.maxRecordAttempts = b.maxRecordAttempts;
    this.metricsMaxModelVersions = b.metricsMaxModelVersions;
    this.metricsMaxRollups = b.metricsMaxRollups;
    this.maxEventSubscribers = b.maxEventSubscribers;
    this.queryThreads = b.queryThreads;
    this.queryQueue = b.queryQueue;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.applicationId = applicationId;
    b.bootstrapServers = bootstrapServers;
    b.schemaRegistryUrl = schemaRegistryUrl;
    b.serdeConfig.putAll(serdeConfig);
    b.stateDir = stateDir;
    b.httpHost = httpHost;
    b.httpPort = httpPort;
    b.advertisedHost = advertisedHost;
    b.emitEverySamples = emitEverySamples;
    b.emitIntervalMs = emitIntervalMs;
    b.modelEmitIntervalMs = modelEmitIntervalMs;
    b.edLambda = edLambda;
    b.partitions = partitions;
    b.replicationFactor = replicationFactor;
    b.createTopics = createTopics;
    b.kafkaConfig.putAll(kafkaConfig);
    b.earlySampleBufferMax = earlySampleBufferMax;
    b.earlySampleTimeoutMs = earlySampleTimeoutMs;
    b.objectCacheEntries = objectCacheEntries;
    b.requestLimits = requestLimits;
    b.instanceId = instanceId;
    b.sessionTimeoutMs = sessionTimeoutMs;
    b.maxRecordAttempts = maxRecordAttempts;
    b.metricsMaxModelVersions = metricsMaxModelVersions;
    b.metricsMaxRollups = metricsMaxRollups;
    b.maxEventSubscribers = maxEventSubscribers;
    b.queryThreads = queryThreads;
    b.queryQueue = queryQueue;
    return b;
  }

  public String applicationId() {
    return applicationId;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String schemaRegistryUrl() {
    return schemaRegistryUrl;
  }

  /** Confluent-style serde properties ({@code schema.registry.url}, ...). */
  public Map<String, Object> serdeConfig() {
    return serdeConfig;
  }

  public Path stateDir() {
    return stateDir;
  }

  public String httpHost() {
    return httpHost;
  }

  /** REST port; 0 picks a free one when the server starts. */
  public int httpPort() {
    return httpPort;
  }

  /** Host other instances use to reach this one's REST API (application.server). */
  public String advertisedHost() {
    return advertisedHost;
  }

  /** Emit a PROVISIONAL prompt bound every this many counted samples (0: never by count). */
  public int emitEverySamples() {
    return emitEverySamples;
  }

  /** Emit pending prompt updates at most this long after they happen, by wall-clock punctuation (0: off). */
  public long emitIntervalMs() {
    return emitIntervalMs;
  }

  /** Emit changed model roll-ups every this many ms of wall-clock time (0: on every prompt update). */
  public long modelEmitIntervalMs() {
    return modelEmitIntervalMs;
  }

  /** λ in M_ED = M_μ + λ·M_σ (paper-spec 1.6). */
  public double edLambda() {
    return edLambda;
  }

  /** Partitions of the topics the aggregator creates when missing. */
  public int partitions() {
    return partitions;
  }

  public short replicationFactor() {
    return replicationFactor;
  }

  /** Whether the aggregator creates missing probeval topics at start (default true). */
  public boolean createTopics() {
    return createTopics;
  }

  /**
   * The Kafka client and Streams properties passed through {@link Builder#optKafkaConfig}, in the order given: they
   * reach Kafka Streams (and through it its consumers and producers) and the Admin client that creates topics.
   */
  public Map<String, Object> kafkaConfig() {
    return kafkaConfig;
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
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    kafkaConfig.forEach((k, v) -> {
      if (known.contains(k)) {
        p.put(k, v);
      }
    });
    kafkaConfig.forEach((k, v) -> {
      if (k.startsWith(ADMIN_PREFIX)) {
        p.put(k.substring(ADMIN_PREFIX.length()), v);
      }
    });
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  /**
   * Most samples per task kept while their request has not arrived (default {@value Builder#DEFAULT_EARLY_SAMPLE_BUFFER};
   * 0: no buffering, such a sample is dead-lettered at once as UNKNOWN_REQUEST).
   */
  public int earlySampleBufferMax() {
    return earlySampleBufferMax;
  }

  /**
   * How long (wall clock) a buffered early sample waits for its request before it is dead-lettered as
   * EARLY_SAMPLE_EXPIRED (default {@value Builder#DEFAULT_EARLY_SAMPLE_TIMEOUT_MS} ms).
   */
  public long earlySampleTimeoutMs() {
    return earlySampleTimeoutMs;
  }

  /**
   * Decoded requests and request states kept per task in memory, each (default {@value Builder#DEFAULT_OBJECT_CACHE};
   * least recently used beyond that are re-read from the store).
   */
  public int objectCacheEntries() {
    return objectCacheEntries;
  }

  /** The request contract's limits requests are validated against (default {@code RequestLimits.defaults()}). */
  /**
   * How many times a record whose processing (or whose output's production) throws is tried before it is
   * dead-lettered as PROCESSING_FAILED / PRODUCTION_FAILED (default {@value #DEFAULT_MAX_RECORD_ATTEMPTS}); failures of
   * the registry or the broker are retried without limit.
   */
  public int maxRecordAttempts() {
    return maxRecordAttempts;
  }

  public dev.probeval.contract.RequestLimits requestLimits() {
    return requestLimits;
  }

  /**
   * Stable id of this instance for static group membership ({@code group.instance.id} of its Streams consumers,
   * which Kafka Streams suffixes with the stream thread's index), or null for dynamic membership (the default). An
   * instance restarted with the same id rejoins with its old assignment without a rebalance and without waiting for
   * its predecessor's session to time out; two live instances must never share one.
   */
  public String instanceId() {
    return instanceId;
  }

  /** {@code session.timeout.ms} of the Streams consumers (default {@value #DEFAULT_SESSION_TIMEOUT_MS}). */
  public int sessionTimeoutMs() {
    return sessionTimeoutMs;
  }

  // ----------------------------------------------------------------------------------------------- serving limits

  /**
   * Most distinct {@code model_version} label values on the per-version meters (default
   * {@value Builder#DEFAULT_METRICS_MAX_MODEL_VERSIONS}); later versions are counted under {@code _other}.
   */
  public int metricsMaxModelVersions() {
    return metricsMaxModelVersions;
  }

  /**
   * Most (model version, suite, split) roll-ups published as gauges (default
   * {@value Builder#DEFAULT_METRICS_MAX_ROLLUPS}); later ones share one {@code _other} set.
   */
  public int metricsMaxRollups() {
    return metricsMaxRollups;
  }

  /** Most dashboard event streams open at once (default {@value Builder#DEFAULT_MAX_EVENT_SUBSCRIBERS}); 503 beyond. */
  public int maxEventSubscribers() {
    return maxEventSubscribers;
  }

  /**
   * Threads running REST queries (default {@value Builder#DEFAULT_QUERY_THREADS}), apart from the threads that answer
   * health and metrics; the local reads other instances ask for get as many again.
   */
  public int queryThreads() {
    return queryThreads;
  }

  /** REST queries waiting for a query thread (default {@value Builder#DEFAULT_QUERY_QUEUE}); 503 beyond. */
  public int queryQueue() {
    return queryQueue;
  }

  /**
   * The Kafka Streams properties: exactly-once v2, explicit naming enforced, {@code application.server} set to the
   * advertised REST endpoint (given the port actually bound), then the pass-through properties (which cannot touch
   * the reserved keys, see {@link Builder#optKafkaConfig}).
   */
  public Properties streamsProperties(int boundHttpPort) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertisedHost + ":" + boundHttpPort);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
    // Each exactly-once commit waits for a producer flush, the offsets and the transaction markers (profiled in
    // docs/benchmarks.md); 100 ms (the EOS default) spends a large share of the stream thread's time there.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
    // Never idle waiting for the other input's partition: with an empty requests partition Streams 4.3 otherwise
    // formats log strings for every record (PartitionGroup.readyToProcess, ~15 % of the stream thread), and arrival
    // order does not affect the results (a sample before its request waits in the early-sample buffer).
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), sessionTimeoutMs);
    // The topology has no global stores; this only opts in to Kafka 5's behaviour and silences its warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    if (instanceId != null) {
      p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
    }
    if (stateDir != null) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    }
    p.putAll(kafkaConfig);
    return p;
  }

  /** Builder with production defaults. */
  public static final class Builder {
    private String applicationId = DEFAULT_APPLICATION_ID;
    private String bootstrapServers = "127.0.0.1:9092";
    private String schemaRegistryUrl = "http://127.0.0.1:8081";
    private final Map<String, Object> serdeConfig = new LinkedHashMap<>();
    private Path stateDir;
    private String httpHost = "127.0.0.1";
    private int httpPort = 8090;
    private String advertisedHost;
    private int emitEverySamples = 10;
    private long emitIntervalMs = 1000;
    private long modelEmitIntervalMs = 1000;
    private double edLambda = 1.0;
    private int partitions = DEFAULT_PARTITIONS;
    private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
    private boolean createTopics = true;
    private final Map<String, Object> kafkaConfig = new LinkedHashMap<>();
    /** Default of {@link AggregatorConfig#earlySampleBufferMax()}. */
    public static final int DEFAULT_EARLY_SAMPLE_BUFFER = 10_000;
    /** Default of {@link AggregatorConfig#earlySampleTimeoutMs()}: two minutes. */
    public static final long DEFAULT_EARLY_SAMPLE_TIMEOUT_MS = 120_000;
    /** Default of {@link AggregatorConfig#objectCacheEntries()}. */
    public static final int DEFAULT_OBJECT_CACHE = 10_000;
    private int maxRecordAttempts = DEFAULT_MAX_RECORD_ATTEMPTS;
    private int earlySampleBufferMax = DEFAULT_EARLY_SAMPLE_BUFFER;
    private long earlySampleTimeoutMs = DEFAULT_EARLY_SAMPLE_TIMEOUT_MS;
    private int objectCacheEntries = DEFAULT_OBJECT_CACHE;
    private dev.probeval.contract.RequestLimits requestLimits = dev.probeval.contract.RequestLimits.defaults();
    private String instanceId;
    private int sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS;

    // ------------------------------------------------------------------------------------------- serving limits
    /** Default of {@link AggregatorConfig#metricsMaxModelVersions()}. */
    public static final int DEFAULT_METRICS_MAX_MODEL_VERSIONS = 100;
    /** Default of {@link AggregatorConfig#metricsMaxRollups()}. */
    public static final int DEFAULT_METRICS_MAX_ROLLUPS = 100;
    /** Default of {@link AggregatorConfig#maxEventSubscribers()}. */
    public static final int DEFAULT_MAX_EVENT_SUBSCRIBERS = 64;
    /** Default of {@link AggregatorConfig#queryThreads()}. */
    public static final int DEFAULT_QUERY_THREADS = 8;
    /** Default of {@link AggregatorConfig#queryQueue()}. */
    public static final int DEFAULT_QUERY_QUEUE = 64;
    private int metricsMaxModelVersions = DEFAULT_METRICS_MAX_MODEL_VERSIONS;
    private int metricsMaxRollups = DEFAULT_METRICS_MAX_ROLLUPS;
    private int maxEventSubscribers = DEFAULT_MAX_EVENT_SUBSCRIBERS;
    private int queryThreads = DEFAULT_QUERY_THREADS;
    private int queryQueue = DEFAULT_QUERY_QUEUE;

    /** Distinct model versions labelled on the per-version meters, 1..100000. */
    public Builder metricsMaxModelVersions(int v) {
      this.metricsMaxModelVersions = inRange(v, 1, 100_000, "metrics max model versions");
      return this;
    }

    /** (Model version, suite, split) roll-ups published as gauges, 1..100000. */
    public Builder metricsMaxRollups(int v) {
      this.metricsMaxRollups = inRange(v, 1, 100_000, "metrics max roll-ups");
      return this;
    }

    /** Dashboard event streams open at once, 1..10000. */
    public Builder maxEventSubscribers(int v) {
      this.maxEventSubscribers = inRange(v, 1, 10_000, "max event subscribers");
      return this;
    }

    /** Threads running REST queries, 1..256. */
    public Builder queryThreads(int v) {
      this.queryThreads = inRange(v, 1, 256, "query threads");
      return this;
    }

    /** REST queries waiting for a thread, 0..100000 (0: none wait, a busy pool answers 503 at once). */
    public Builder queryQueue(int v) {
      this.queryQueue = inRange(v, 0, 100_000, "query queue");
      return this;
    }

    private static int inRange(int v, int min, int max, String what) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(what + " must be in " + min + ".." + max + ", got " + v);
      }
      return v;
    }
    // ------------------------------------------------------------------------------------------------------------

    public Builder applicationId(String v) {
      this.applicationId = requireNonBlank(v, "application id");
      return this;
    }

    public Builder bootstrapServers(String v) {
      this.bootstrapServers = requireNonBlank(v, "bootstrap servers");
      return this;
    }

    public Builder schemaRegistryUrl(String v) {
      this.schemaRegistryUrl = requireNonBlank(v, "schema registry url");
      this.serdeConfig.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, v);
      return this;
    }

    /** Adds a serde property (basic auth, use.latest.version, ...). */
    public Builder serdeConfig(String key, Object value) {
      this.serdeConfig.put(key, value);
      return this;
    }

    public Builder stateDir(Path v) {
      this.stateDir = v;
      return this;
    }

    public Builder httpHost(String v) {
      this.httpHost = requireNonBlank(v, "http host");
      return this;
    }

    public Builder httpPort(int v) {
      if (v < 0 || v > 65535) {
        throw new IllegalArgumentException("http port must be in 0..65535, got " + v);
      }
      this.httpPort = v;
      return this;
    }

    public Builder advertisedHost(String v) {
      this.advertisedHost = v;
      return this;
    }

    public Builder emitEverySamples(int v) {
      if (v < 0) {
        throw new IllegalArgumentException("emit-every-samples must be >= 0, got " + v);
      }
      this.emitEverySamples = v;
      return this;
    }

    public Builder emitIntervalMs(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("emit interval must be >= 0 ms, got " + v);
      }
      this.emitIntervalMs = v;
      return this;
    }

    public Builder modelEmitIntervalMs(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("model emit interval must be >= 0 ms, got " + v);
      }
      this.modelEmitIntervalMs = v;
      return this;
    }

    public Builder edLambda(double v) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("ED lambda must be a finite number >= 0, got " + v);
      }
      this.edLambda = v;
      return this;
    }

    public Builder partitions(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("partitions must be >= 1, got " + v);
      }
      this.partitions = v;
      return this;
    }

    public Builder replicationFactor(short v) {
      if (v < 1) {
        throw new IllegalArgumentException("replication factor must be >= 1, got " + v);
      }
      this.replicationFactor = v;
      return this;
    }

    /** Create missing probeval topics at start (default true); off where topics are provisioned separately. */
    public Builder createTopics(boolean v) {
      this.createTopics = v;
      return this;
    }

    /** Kafka Streams stream threads of this instance ({@code num.stream.threads}, default 1). */
    public Builder streamThreads(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("stream threads must be >= 1, got " + v);
      }
      this.kafkaConfig.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, v);
      return this;
    }

    /**
     * A Kafka client or Kafka Streams property for every client the aggregator creates: Kafka Streams (with its
     * consumers and producers; Streams' {@code consumer.}/{@code producer.}/{@code admin.} prefixes work) and the
     * Admin client that creates the topics (which takes the keys it knows, for example {@code security.protocol} and
     * {@code sasl.*}, and {@code admin.}-prefixed ones). Applied after the aggregator's own defaults.
     *
     * @throws IllegalArgumentException for an empty key or a key a dedicated setting owns (bootstrap.servers,
     *     application.id, application.server, processing.guarantee, state.dir)
     */
    public Builder optKafkaConfig(String key, Object value) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("Kafka config key must not be empty");
      }
      String why = RESERVED_KEYS.get(key.strip());
      if (why != null) {
        throw new IllegalArgumentException("Kafka config " + key + " cannot be passed through: " + why);
      }
      this.kafkaConfig.put(key.strip(), value);
      return this;
    }

    /** Same as {@link #optKafkaConfig}; kept for existing callers (tests, benchmarks). */
    public Builder streamsConfig(String key, Object value) {
      return optKafkaConfig(key, value);
    }

    /** Most early samples buffered per task (0: none). */
    public Builder earlySampleBufferMax(int v) {
      if (v < 0) {
        throw new IllegalArgumentException("early-sample buffer size must be >= 0, got " + v);
      }
      this.earlySampleBufferMax = v;
      return this;
    }

    /** Deadline for a buffered early sample's request, in wall-clock ms. */
    public Builder earlySampleTimeoutMs(long v) {
      if (v < 1) {
        throw new IllegalArgumentException("early-sample timeout must be >= 1 ms, got " + v);
      }
      this.earlySampleTimeoutMs = v;
      return this;
    }

    /** Decoded requests / request states cached per task. */
    public Builder objectCacheEntries(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("object cache entries must be >= 1, got " + v);
      }
      this.objectCacheEntries = v;
      return this;
    }

    /** The request contract's limits (shared with the workers: give both the same). */
    /**
     * @throws IllegalArgumentException if {@code v < 1}
     */
    public Builder optMaxRecordAttempts(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("max record attempts must be >= 1, got " + v);
      }
      this.maxRecordAttempts = v;
      return this;
    }

    public Builder requestLimits(dev.probeval.contract.RequestLimits v) {
      this.requestLimits = java.util.Objects.requireNonNull(v, "request limits");
      return this;
    }

    /**
     * Static membership: this instance's stable id ({@code group.instance.id}); null (default) for dynamic
     * membership. No whitespace; unique among the live instances of the application.
     */
    public Builder optInstanceId(String v) {
      if (v != null && (v.isBlank() || v.chars().anyMatch(Character::isWhitespace))) {
        throw new IllegalArgumentException("instance id must be non-empty without whitespace, got '" + v + "'");
      }
      this.instanceId = v;
      return this;
    }

    /**
     * {@code session.timeout.ms} of the Streams consumers (default {@value #DEFAULT_SESSION_TIMEOUT_MS}); the broker
     * accepts 6000..1800000 by default ({@code group.min/max.session.timeout.ms}).
     */
    public Builder optSessionTimeoutMs(int v) {
      if (v < 1) {
        throw new IllegalArgumentException("session timeout must be >= 1 ms, got " + v);
      }
      this.sessionTimeoutMs = v;
      return this;
    }

    public AggregatorConfig build() {
      return new AggregatorConfig(this);
    }

    private static String requireNonBlank(String v, String what) {
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException(what + " must not be empty");
      }
      return v;
    }
  }

  @Override
  public String toString() {
    return "AggregatorConfig{applicationId=" + applicationId + ", bootstrapServers=" + bootstrapServers
        + ", schemaRegistryUrl=" + schemaRegistryUrl + ", http=" + httpHost + ":" + httpPort + "}";
  }
}
