package dev.probeval.kafka;

import dev.probeval.contract.RequestLimits;
import dev.probeval.serde.AvroSerdeConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * What every probeval service that talks to Kafka is configured with, the same way everywhere (aggregator, sampler
 * worker, producer, schema registry): the cluster, the pass-through Kafka client properties, the schema registry and
 * its serde properties, the probeval topics it creates, its consumer-group membership and the request contract's
 * limits. Immutable; build with {@link #builder()} ({@code setX} required, {@code optX} optional).
 *
 * <p>A pass-through property may not touch a key that a dedicated setting or the service itself owns: the builder
 * refuses it, with one message for every service, {@code Kafka config KEY cannot be passed through: WHY}, instead of
 * letting the value be silently overwritten. {@code bootstrap.servers} is reserved everywhere; a service adds its own
 * keys through {@link #builder(Map)} and checks them again with {@link #refuseReservedKeys(Map)}.
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param kafkaConfig the pass-through client properties, in the order given, for every client the service creates
 * @param serdeConfig serde properties under Confluent's keys ({@code schema.registry.url}, basic auth, ...); empty
 *     when no registry was set
 * @param createTopics whether the service creates the probeval topics that are missing at start
 * @param partitions partitions of the topics it creates
 * @param replicationFactor replication factor of the topics it creates
 * @param instanceId stable id for static group membership ({@code group.instance.id}), or null for dynamic membership
 * @param sessionTimeoutMs the consumers' {@code session.timeout.ms}
 * @param requestLimits the request contract's limits requests are checked against
 */
public record KafkaServiceConfig(
        String bootstrapServers,
        Map<String, Object> kafkaConfig,
        Map<String, Object> serdeConfig,
        boolean createTopics,
        int partitions,
        short replicationFactor,
        String instanceId,
        int sessionTimeoutMs,
        RequestLimits requestLimits) {
    /** Interface {@code probeval broker} and {@code probeval registry} listen on by default. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Client port {@code probeval broker} listens on by default. */
    public static final int DEFAULT_BROKER_PORT = 9092;
    /** Port {@code probeval registry} listens on by default. */
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    /** Default {@code bootstrap.servers}: {@code probeval broker}'s default listener. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = DEFAULT_HOST + ":" + DEFAULT_BROKER_PORT;
    /** Default schema registry URL: {@code probeval registry}'s default listener. */
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "http://" + DEFAULT_HOST + ":" + DEFAULT_REGISTRY_PORT;
    /** By default a service creates the probeval topics that are missing. */
    public static final boolean DEFAULT_CREATE_TOPICS = true;
    /**
     * Default partition count of the probeval topics a service creates: the same for the broker, the aggregator and
     * the worker, so topics created by any of them are co-partitioned.
     */
    public static final int DEFAULT_PARTITIONS = 3;
    /** Default replication factor of the topics a service creates (1: a one-node development cluster). */
    public static final short DEFAULT_REPLICATION_FACTOR = 1;
    /**
     * Default {@code session.timeout.ms} of a service's consumers: 15 s instead of the client's 45 s, so a member that
     * died without leaving (kill -9) is dropped from its group sooner. With an instance id (static membership) a
     * restarted member does not wait for it at all.
     */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 15_000;

    /** The keys every service refuses as pass-through properties, with the reason. */
    public static final Map<String, String> RESERVED_KEYS = Map.of(
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "set it with setBootstrapServers (--bootstrap-servers)");

    /** Copies the maps; refuses a missing cluster and the keys reserved everywhere. */
    public KafkaServiceConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrap servers");
        kafkaConfig = Collections.unmodifiableMap(new LinkedHashMap<>(kafkaConfig));
        serdeConfig = Collections.unmodifiableMap(new LinkedHashMap<>(serdeConfig));
        Objects.requireNonNull(requestLimits, "request limits");
        refuse(kafkaConfig, RESERVED_KEYS);
    }

    /** A builder whose pass-through properties may not touch {@link #RESERVED_KEYS}. */
    public static Builder builder() {
        return new Builder(Map.of());
    }

    /**
     * A builder whose pass-through properties may touch neither {@link #RESERVED_KEYS} nor {@code serviceReservedKeys}
     * (key: why it is refused, for example "set it with setApplicationId (--application-id)").
     */
    public static Builder builder(Map<String, String> serviceReservedKeys) {
        return new Builder(serviceReservedKeys);
    }

    /** A builder pre-filled with these values, refusing {@link #RESERVED_KEYS} only. */
    public Builder toBuilder() {
        Builder b = new Builder(Map.of());
        b.bootstrapServers = bootstrapServers;
        b.kafkaConfig.putAll(kafkaConfig);
        b.serdeConfig.putAll(serdeConfig);
        b.createTopics = createTopics;
        b.partitions = partitions;
        b.replicationFactor = replicationFactor;
        b.instanceId = instanceId;
        b.sessionTimeoutMs = sessionTimeoutMs;
        b.requestLimits = requestLimits;
        return b;
    }

    /** The registry URL(s) the serdes use, or null when none was set. */
    public String schemaRegistryUrl() {
        Object url = serdeConfig.get(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        return url == null ? null : url.toString();
    }

    /**
     * The registry URL(s).
     *
     * @throws IllegalArgumentException "the schema registry URL is required" when none was set
     */
    public String requireSchemaRegistryUrl() {
        String url = schemaRegistryUrl();
        if (url == null) {
            throw new IllegalArgumentException("the schema registry URL is required");
        }
        return url;
    }

    /**
     * What every client of the service starts from: the pass-through properties, then the bootstrap servers. A client
     * adds its own settings (the ones a service reserves) on top.
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> p = new LinkedHashMap<>(kafkaConfig);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * Checks the pass-through properties against a service's own reserved keys (the builder of {@link #builder(Map)}
     * already did; a value built otherwise is checked here).
     *
     * @return this
     * @throws IllegalArgumentException "Kafka config KEY cannot be passed through: WHY" for the first reserved key
     */
    public KafkaServiceConfig refuseReservedKeys(Map<String, String> serviceReservedKeys) {
        refuse(kafkaConfig, serviceReservedKeys);
        return this;
    }

    /** Refuses a pass-through property of a reserved key, in the one message style every service uses. */
    public static void refuseReservedKey(String key, Map<String, String> reservedKeys) {
        String why = reservedKeys.get(key.strip());
        if (why != null) {
            throw new IllegalArgumentException("Kafka config " + key.strip() + " cannot be passed through: " + why);
        }
    }

    private static void refuse(Map<String, Object> config, Map<String, String> reservedKeys) {
        config.keySet().forEach(k -> refuseReservedKey(k, reservedKeys));
    }

    @Override
    public String toString() {
        return "KafkaServiceConfig{bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl()
                + ", kafkaConfig=" + kafkaConfig.keySet() + "}";
    }

    /** Builder: {@link #setBootstrapServers} is required, everything else optional with the defaults above. */
    public static final class Builder {
        private final Map<String, String> reservedKeys;
        private String bootstrapServers;
        private final Map<String, Object> kafkaConfig = new LinkedHashMap<>();
        private final Map<String, Object> serdeConfig = new LinkedHashMap<>();
        private boolean createTopics = DEFAULT_CREATE_TOPICS;
        private int partitions = DEFAULT_PARTITIONS;
        private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private String instanceId;
        private int sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS;
        private RequestLimits requestLimits = RequestLimits.defaults();

        private Builder(Map<String, String> serviceReservedKeys) {
            Map<String, String> all = new LinkedHashMap<>(serviceReservedKeys);
            all.putAll(RESERVED_KEYS);
            this.reservedKeys = Map.copyOf(all);
        }

        /** Kafka's {@code bootstrap.servers}, for example {@value #DEFAULT_BOOTSTRAP_SERVERS}; required. */
        public Builder setBootstrapServers(String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must not be empty");
            }
            this.bootstrapServers = v;
            return this;
        }

        /**
         * A Kafka client property for every client the service creates (security.protocol, sasl.*, ssl.*, timeouts; for
         * the aggregator also Kafka Streams settings), applied after the service's own defaults.
         *
         * @throws IllegalArgumentException for an empty key, a null value, or a reserved key
         */
        public Builder optKafkaConfig(String key, Object value) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("Kafka config key must not be empty");
            }
            if (value == null) {
                throw new IllegalArgumentException("Kafka config " + key + " must have a value, got null");
            }
            refuseReservedKey(key, reservedKeys);
            kafkaConfig.put(key.strip(), value);
            return this;
        }

        /**
         * The schema registry's base URL(s), comma-separated, each {@code http://}, {@code https://} (or
         * {@code mock://<scope>} for the tests' in-memory registry).
         */
        public Builder optSchemaRegistryUrl(String url) {
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

        /** Any serde property under Confluent's keys (basic auth, use.latest.version, ...). */
        public Builder optSerdeConfig(String key, Object value) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("serde property name must not be empty");
            }
            if (value == null) {
                throw new IllegalArgumentException("serde property " + key + " must have a value, got null");
            }
            serdeConfig.put(key, value);
            return this;
        }

        /** Create the probeval topics that are missing at start (default {@value #DEFAULT_CREATE_TOPICS}). */
        public Builder optCreateTopics(boolean v) {
            this.createTopics = v;
            return this;
        }

        /** Partitions of the topics the service creates (default {@value #DEFAULT_PARTITIONS}), at least 1. */
        public Builder optPartitions(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, got " + v);
            }
            this.partitions = v;
            return this;
        }

        /** Replication factor of the topics the service creates (default {@value #DEFAULT_REPLICATION_FACTOR}). */
        public Builder optReplicationFactor(short v) {
            if (v < 1) {
                throw new IllegalArgumentException("replication factor must be >= 1, got " + v);
            }
            this.replicationFactor = v;
            return this;
        }

        /**
         * Static membership: this instance's stable id ({@code group.instance.id}); null (default) for dynamic
         * membership. No whitespace; unique among the live members of the group.
         */
        public Builder optInstanceId(String v) {
            if (v != null && (v.isBlank() || v.chars().anyMatch(Character::isWhitespace))) {
                throw new IllegalArgumentException("instance id must be non-empty without whitespace, got '" + v + "'");
            }
            this.instanceId = v;
            return this;
        }

        /**
         * The consumers' {@code session.timeout.ms} (default {@value #DEFAULT_SESSION_TIMEOUT_MS}); the broker accepts
         * 6000..1800000 by default ({@code group.min/max.session.timeout.ms}).
         */
        public Builder optSessionTimeoutMs(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("session timeout must be >= 1 ms, got " + v);
            }
            this.sessionTimeoutMs = v;
            return this;
        }

        /** The request contract's limits (default {@link RequestLimits#defaults()}); give every service the same. */
        public Builder optRequestLimits(RequestLimits v) {
            this.requestLimits = Objects.requireNonNull(v, "request limits");
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException "bootstrap servers are required" without {@link #setBootstrapServers}
         */
        public KafkaServiceConfig build() {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException("bootstrap servers are required");
            }
            return new KafkaServiceConfig(
                    bootstrapServers,
                    kafkaConfig,
                    serdeConfig,
                    createTopics,
                    partitions,
                    replicationFactor,
                    instanceId,
                    sessionTimeoutMs,
                    requestLimits);
        }
    }
}
