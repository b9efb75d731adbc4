package dev.probeval.registry.server;

import dev.probeval.http.ErrorShape;
import dev.probeval.http.HostPort;
import dev.probeval.http.WebServer;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.registry.SchemaRegistryState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the part of Confluent's REST API that serdes and common tools use, so Confluent's
 * clients, {@code curl} recipes and probeval's own serde work against it unchanged:
 *
 * <ul>
 *   <li>{@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}} (lookup), {@code GET /subjects},
 *       {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}[/schema]}
 *   <li>{@code GET /schemas/ids/{id}[/schema|/versions]}, {@code GET /schemas/types}
 *   <li>{@code POST /compatibility/subjects/{s}/versions/{v|latest}[?verbose=true]}
 *   <li>{@code GET|PUT /config}, {@code GET|PUT|DELETE /config/{s}}
 * </ul>
 *
 * Every answer has content type {@code application/vnd.schemaregistry.v1+json}. Errors use Confluent's body,
 * {@code {"error_code":40401,"message":"..."}}: 400 (body not JSON), 404 (40401 subject, 40402 version, 40403
 * schema, 40408 subject config, 404 unknown path), 405 (method), 409 (incompatible), 422 (42201 schema, 42202 version,
 * 42203 level), 500 (50001 store). Served by {@link WebServer} (Javalin). The default compatibility is BACKWARD
 * (checked with Avro's SchemaCompatibility). State lives in a compacted Kafka topic ({@value #DEFAULT_TOPIC} by
 * default), so a restarted registry hands out the same ids. Binds 127.0.0.1 unless told otherwise.
 *
 * <p>What a client can make it hold is bounded (see {@link Builder}): a schema larger than
 * {@link Builder#maxSchemaBytes} is refused with 422 and error code 42201 before it is parsed, request bodies are
 * limited to eight times that (JSON escapes) plus 64 KiB, and a registration that would exceed
 * {@link Builder#maxSubjects} or {@link Builder#maxVersionsPerSubject} is refused with 422 and code
 * {@value SchemaRegistryException#LIMIT_EXCEEDED}.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    /** Default name of the compacted topic holding the registry's state. */
    public static final String DEFAULT_TOPIC = "_probeval_schemas";
    /** Confluent's default port. */
    public static final int DEFAULT_PORT = KafkaServiceConfig.DEFAULT_REGISTRY_PORT;
    /** Default interface to bind. */
    public static final String DEFAULT_HOST = KafkaServiceConfig.DEFAULT_HOST;
    /** Default global compatibility level, until one is set through {@code PUT /config}. */
    public static final String DEFAULT_COMPATIBILITY = "BACKWARD";

    /** Default of {@link Builder#maxSchemaBytes}: 256 KiB, far above any probeval schema. */
    public static final int DEFAULT_MAX_SCHEMA_BYTES = 256 << 10;
    /** Default of {@link Builder#maxSubjects}. */
    public static final int DEFAULT_MAX_SUBJECTS = 10_000;
    /** Default of {@link Builder#maxVersionsPerSubject}. */
    public static final int DEFAULT_MAX_VERSIONS_PER_SUBJECT = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);

    private final SchemaStore store;
    private final RegistryApi api;
    private final WebServer http;
    private volatile boolean closed;

    /** Builder; only {@link #setKafka} is required. */
    public static final class Builder {
        private KafkaServiceConfig kafka;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String topic = DEFAULT_TOPIC;
        private CompatibilityLevel defaultCompatibility = CompatibilityLevel.valueOf(DEFAULT_COMPATIBILITY);
        private int maxSchemaBytes = DEFAULT_MAX_SCHEMA_BYTES;
        private int maxSubjects = DEFAULT_MAX_SUBJECTS;
        private int maxVersionsPerSubject = DEFAULT_MAX_VERSIONS_PER_SUBJECT;

        /**
         * The Kafka cluster holding the schema topic, the client properties of the store's clients (security protocol,
         * SASL) and the replication factor of the schema topic when it has to be created; required.
         */
        public Builder setKafka(KafkaServiceConfig kafka) {
            this.kafka = java.util.Objects.requireNonNull(kafka, "kafka");
            return this;
        }

        /** Interface to bind (default 127.0.0.1; use 0.0.0.0 to serve other hosts). */
        public Builder host(String host) {
            this.host = HostPort.requireHost(host, "host");
            return this;
        }

        /** Port; default 8081, 0 picks a free one. */
        public Builder port(int port) {
            this.port = HostPort.requirePort(port, "port");
            return this;
        }

        /** Schema topic (default {@value #DEFAULT_TOPIC}); created compacted with one partition if missing. */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /** Global compatibility level until one is stored in the topic (default BACKWARD). */
        public Builder defaultCompatibility(CompatibilityLevel level) {
            this.defaultCompatibility = level;
            return this;
        }

        /** Largest schema accepted, in UTF-8 bytes of its text: 1 KiB..16 MiB (default 256 KiB). */
        public Builder maxSchemaBytes(int v) {
            if (v < 1024 || v > 16 << 20) {
                throw new IllegalArgumentException("max schema bytes must be in 1024..16777216, got " + v);
            }
            this.maxSchemaBytes = v;
            return this;
        }

        /** Most subjects held: 1..1000000 (default {@value #DEFAULT_MAX_SUBJECTS}). */
        public Builder maxSubjects(int v) {
            if (v < 1 || v > 1_000_000) {
                throw new IllegalArgumentException("max subjects must be in 1..1000000, got " + v);
            }
            this.maxSubjects = v;
            return this;
        }

        /** Most versions per subject: 1..100000 (default {@value #DEFAULT_MAX_VERSIONS_PER_SUBJECT}). */
        public Builder maxVersionsPerSubject(int v) {
            if (v < 1 || v > 100_000) {
                throw new IllegalArgumentException("max versions per subject must be in 1..100000, got " + v);
            }
            this.maxVersionsPerSubject = v;
            return this;
        }

        RegistryApi.Limits limits() {
            return new RegistryApi.Limits(maxSchemaBytes, maxSubjects, maxVersionsPerSubject);
        }

        /** Replays the schema topic, then starts serving. */
        public SchemaRegistryServer start() {
            if (kafka == null) {
                throw new IllegalArgumentException("bootstrap servers are required");
            }
            return SchemaRegistryServer.start(
                    this, new KafkaSchemaStore(kafka.clientProperties(), topic, kafka.replicationFactor()));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private SchemaRegistryServer(
            SchemaRegistryState state, SchemaStore store, String host, int port, RegistryApi.Limits limits) {
        this.store = store;
        this.api = new RegistryApi(state, store, limits);
        try {
            // A schema's JSON string may write each character as a six-byte unicode escape: room for that, and the
            // rest of the body, and no more, so no request body is megabytes larger than the largest schema accepted.
            long maxRequestBytes = 8L * limits.maxSchemaBytes() + (64 << 10);
            this.http = WebServer.builder("registry")
                    .host(host)
                    .port(port)
                    .maxThreads(16)
                    .maxRequestBytes(maxRequestBytes)
                    .jsonMapper(RegistryApi.JSON)
                    .errorShape(ErrorShape.confluent(RegistryApi.CONTENT_TYPE))
                    .mapException(SchemaRegistryException.class, RegistryApi::toHttpError)
                    .mapException(RuntimeException.class, RegistryApi::toStoreError)
                    .routes(api::routes)
                    .start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        LOG.info("Schema registry listening on {}", url());
    }

    /** Replays {@code store} into a fresh state, then serves it; the caller's store is closed with the server. */
    private static SchemaRegistryServer start(Builder b, SchemaStore store) {
        SchemaRegistryState state = new SchemaRegistryState(b.defaultCompatibility);
        try {
            int restored = store.catchUp(state);
            LOG.info("Schema registry restored {} records from {} (max id {})", restored, store.topic(), state.maxId());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return new SchemaRegistryServer(state, store, b.host, b.port, b.limits());
    }

    /** Serves {@code state} persisted in {@code store} (tests: an in-memory store, no broker). */
    static SchemaRegistryServer serve(SchemaRegistryState state, SchemaStore store, String host, int port) {
        return serve(state, store, host, port, builder());
    }

    /** As {@link #serve(SchemaRegistryState, SchemaStore, String, int)} with the limits set on {@code limits}. */
    static SchemaRegistryServer serve(
            SchemaRegistryState state, SchemaStore store, String host, int port, Builder limits) {
        return new SchemaRegistryServer(state, store, host, port, limits.limits());
    }

    /** Base URL for {@code schema.registry.url}, for example {@code http://127.0.0.1:8081}. */
    public String url() {
        return http.url();
    }

    /** The bound port (the ephemeral one when built with port 0). */
    public int port() {
        return http.port();
    }

    /** The compacted topic the state lives in. */
    public String topic() {
        return store.topic();
    }

    /** Stops serving (requests in flight finish first), then closes the store. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        http.close();
        synchronized (api.writeLock) {
            store.close();
        }
    }
}
