package dev.probeval.registry.server;

import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryState;

/**
 * Where the registry persists what it hands out, so ids survive restarts and several instances agree: every new
 * version and every compatibility change is appended here before it is applied to the in-memory
 * {@link SchemaRegistryState}. The server serialises all calls. Production: {@link KafkaSchemaStore}; the route
 * tests use an in-memory fake, so the REST API is testable without a broker.
 */
interface SchemaStore extends AutoCloseable {

    /** Where the state lives, for log lines and {@link SchemaRegistryServer#topic()}. */
    String topic();

    /** Applies every record written since the last call (by any instance) to {@code state}; returns how many. */
    int catchUp(SchemaRegistryState state);

    /** Persists a new version; returns once it is durable. */
    void appendSchema(SchemaMetadata m);

    /** Persists a compatibility level (subject null = global); a null level clears a subject's own level. */
    void appendConfig(String subject, CompatibilityLevel level);

    @Override
    void close();
}
