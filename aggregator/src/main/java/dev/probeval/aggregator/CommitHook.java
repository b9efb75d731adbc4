package dev.probeval.aggregator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and runs its registered actions whenever Kafka Streams flushes the task's caches:
 * the hook that lets a processor keep a write-back cache and still write every change before the task commits.
 *
 * <p>Why this is a pre-commit hook: every commit of a task (the regular commit, the commit of revoked tasks before
 * they are suspended, the last commit of a clean close) runs {@code StreamTask.prepareCommit}, which calls
 * {@code ProcessorStateManager.flushCache()} on every registered store that is a {@link CachedStateStore} — this one
 * — then flushes the record collector, and only then are the input offsets and the transaction committed. So a put
 * that an action makes into a (non-cached, changelogged) store is in the changelog, inside the same exactly-once
 * transaction, before the offsets of the records that caused it commit. Kafka Streams has no public processor-level
 * pre-commit hook (checked against 4.3.1: punctuators are not aligned with commits), hence this store; it implements
 * the internal {@code CachedStateStore} interface, which has kept its shape (setFlushListener, flushCache, clearCache)
 * since 2.x. {@code AggregatorTopologyTest} and the restart tests break if a Streams upgrade stops calling it.
 *
 * <p>Not persistent, no changelog: it stores no data. Stream thread only.
 */
final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private final List<Runnable> actions = new ArrayList<>();
    private boolean open;

    CommitHook(String name) {
        this.name = name;
    }

    /** The store builder to add to the topology (logging and caching off: there is nothing to log or cache). */
    static StoreBuilder<CommitHook> builder(String name) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<CommitHook> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
                return this; // nothing to log
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingDisabled() {
                return this;
            }

            @Override
            public CommitHook build() {
                return new CommitHook(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /** Runs {@code action} at every flush of this task's caches, i.e. before each commit of the task. */
    void onFlush(Runnable action) {
        actions.add(action);
    }

    /** Forgets the actions (the processor that registered them is closing). */
    void clearActions() {
        actions.clear();
    }

    @Override
    public void flushCache() {
        for (Runnable a : actions) {
            a.run();
        }
    }

    @Override
    public void clearCache() {
        // nothing cached here; the processors drop their own caches in close()
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {});
        open = true;
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        // no data of its own
    }

    @Override
    public void close() {
        actions.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }
}
