package dev.probeval.registry.server;

import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryState;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link SchemaStore} seam's fake: records what the server persisted, can hold versions "another instance
 * wrote" that only a catch-up reveals, and can fail every write like an unreachable broker.
 */
final class InMemorySchemaStore implements SchemaStore {
    record ConfigWrite(String subject, CompatibilityLevel level) {}

    final List<SchemaMetadata> schemas = new CopyOnWriteArrayList<>();
    final List<ConfigWrite> configs = new CopyOnWriteArrayList<>();
    final Queue<SchemaMetadata> writtenElsewhere = new ConcurrentLinkedQueue<>();
    volatile RuntimeException writeFailure;
    volatile boolean closed;

    @Override
    public String topic() {
        return "in-memory";
    }

    @Override
    public int catchUp(SchemaRegistryState state) {
        int applied = 0;
        for (SchemaMetadata m; (m = writtenElsewhere.poll()) != null; applied++) {
            state.apply(m);
        }
        return applied;
    }

    @Override
    public void appendSchema(SchemaMetadata m) {
        failIfAsked();
        schemas.add(m);
    }

    @Override
    public void appendConfig(String subject, CompatibilityLevel level) {
        failIfAsked();
        configs.add(new ConfigWrite(subject, level));
    }

    private void failIfAsked() {
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
