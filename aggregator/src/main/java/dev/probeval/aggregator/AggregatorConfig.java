package dev.probeval.aggregator;

import dev.probeval.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the aggregator is configured with: where Kafka and the registry are, its Streams identity, how often it
 * emits bounds, and where the REST API listens. Immutable; build with {@link #builder()}.
 */
public final class AggregatorConfig {
  /** Default Kafka Streams application id (also the prefix of every internal topic). */
  public static final String DEFAULT_APPLICATION_ID = "probeval-aggregator";
  /** Default {@code commit.interval.ms} (Streams' exactly-once default is 100); override with streamsConfig. */
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 200;

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
  private final Map<String, Object> streamsOverrides;
  private final int earlySampleBufferMax;
  private final long earlySampleTimeoutMs;
  private final int objectCacheEntries;

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
    this.streamsOverrides = Map.copyOf(b.streamsOverrides);
    this.earlySampleBufferMax = b.earlySampleBufferMax;
    this.earlySampleTimeoutMs = b.earlySampleTimeoutMs;
    this.objectCacheEntries = b.objectCacheEntries;
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
    b.streamsOverrides.putAll(streamsOverrides);
    b.earlySampleBufferMax = earlySampleBufferMax;
    b.earlySampleTimeoutMs = earlySampleTimeoutMs;
    b.objectCacheEntries = objectCacheEntries;
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

  public Map<String, Object> streamsOverrides() {
    return streamsOverrides;
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
   * UNKNOWN_REQUEST (default {@value Builder#DEFAULT_EARLY_SAMPLE_TIMEOUT_MS} ms).
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

  /**
   * The Kafka Streams properties: exactly-once v2, explicit naming enforced, {@code application.server} set to the
   * advertised REST endpoint (given the port actually bound), then the overrides.
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
    if (stateDir != null) {
      p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    }
    p.putAll(streamsOverrides);
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
    private int partitions = 1;
    private short replicationFactor = 1;
    private final Map<String, Object> streamsOverrides = new LinkedHashMap<>();
    /** Default of {@link AggregatorConfig#earlySampleBufferMax()}. */
    public static final int DEFAULT_EARLY_SAMPLE_BUFFER = 10_000;
    /** Default of {@link AggregatorConfig#earlySampleTimeoutMs()}: two minutes. */
    public static final long DEFAULT_EARLY_SAMPLE_TIMEOUT_MS = 120_000;
    /** Default of {@link AggregatorConfig#objectCacheEntries()}. */
    public static final int DEFAULT_OBJECT_CACHE = 10_000;
    private int earlySampleBufferMax = DEFAULT_EARLY_SAMPLE_BUFFER;
    private long earlySampleTimeoutMs = DEFAULT_EARLY_SAMPLE_TIMEOUT_MS;
    private int objectCacheEntries = DEFAULT_OBJECT_CACHE;

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

    /** Any Kafka Streams property, applied last (for example commit.interval.ms in tests). */
    public Builder streamsConfig(String key, Object value) {
      this.streamsOverrides.put(key, value);
      return this;
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
