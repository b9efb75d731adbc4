package dev.probeval.aggregator;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task-local object cache in front of one key-value store: {@link #get} returns the decoded object without
 * deserializing it again. Two write policies:
 *
 * <ul>
 *   <li><b>write-through</b> ({@link #writeThrough}): {@link #put}/{@link #delete} write the store first, then the
 *       cache (used for {@code requests-store}: one put per request);
 *   <li><b>write-back</b> ({@link #writeBack}): {@link #put} only marks the key dirty; {@link #flush} writes every dirty
 *       object to the store once, and must run before each commit of the task — {@link InputProcessor} registers it on
 *       the task's {@link CommitHook}, which Kafka Streams calls from {@code prepareCommit} before it flushes the
 *       producer and commits the offsets and the transaction. Used for {@code request-state-store}, which is updated
 *       on every sample: a state is then serialized and changelogged once per commit instead of once per sample. An
 *       entry evicted from the cache while dirty is written to the store at once. {@link #delete} is always
 *       write-through (and forgets a pending write).
 * </ul>
 *
 * <p>Safe under exactly-once either way: the store, its changelog and the task's transaction hold every change before
 * Streams commits the input offsets of the records that caused it. The cache belongs to one processor instance of one
 * task; after an aborted transaction or a dirty close Streams re-initialises the processor (init builds new caches)
 * from the restored store, so unflushed changes of the aborted transaction are dropped together with it. Cached values
 * may be mutable: callers mutate them only right before a {@link #put} of the same object within the same record's
 * processing. Bounded: least recently used entries beyond {@code maxEntries} are dropped (they are re-read from the
 * store). Not thread-safe (stream thread only; interactive queries read the store itself, which under write-back lags
 * the cache by at most one commit interval).
 */
final class CachedStore<V> {
    private final KeyValueStore<String, V> store;
    private final LinkedHashMap<String, V> cache;
    /** Keys whose cached object is newer than the store (write-back only). */
    private final Set<String> dirty;

    private CachedStore(KeyValueStore<String, V> store, int maxEntries, boolean writeBack) {
        this.store = store;
        this.dirty = writeBack ? new LinkedHashSet<>() : null;
        this.cache = new LinkedHashMap<>(Math.min(1024, Math.max(16, maxEntries)), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                if (size() <= maxEntries) {
                    return false;
                }
                if (dirty != null && dirty.remove(eldest.getKey())) {
                    store.put(eldest.getKey(), eldest.getValue());
                }
                return true;
            }
        };
    }

    /** A cache whose puts and deletes go to the store at once. */
    static <V> CachedStore<V> writeThrough(KeyValueStore<String, V> store, int maxEntries) {
        return new CachedStore<>(store, maxEntries, false);
    }

    /** A cache whose puts go to the store at {@link #flush} (before each commit) or on eviction. */
    static <V> CachedStore<V> writeBack(KeyValueStore<String, V> store, int maxEntries) {
        return new CachedStore<>(store, maxEntries, true);
    }

    V get(String key) {
        V v = cache.get(key);
        if (v == null) {
            v = store.get(key);
            if (v != null) {
                cache.put(key, v);
            }
        }
        return v;
    }

    void put(String key, V value) {
        if (dirty == null) {
            store.put(key, value);
            cache.put(key, value);
        } else {
            cache.put(key, value);
            dirty.add(key);
        }
    }

    void delete(String key) {
        if (dirty != null) {
            dirty.remove(key);
        }
        store.delete(key);
        cache.remove(key);
    }

    /** Writes every dirty object to the store (write-back; a no-op for write-through). */
    void flush() {
        if (dirty == null || dirty.isEmpty()) {
            return;
        }
        for (String key : dirty) {
            store.put(key, cache.get(key));
        }
        dirty.clear();
    }

    /** Number of objects not yet written to the store. */
    int dirtyEntries() {
        return dirty == null ? 0 : dirty.size();
    }

    KeyValueStore<String, V> store() {
        return store;
    }

    /** Drops the cached objects and any pending writes (the task is closing; they are re-read from the store). */
    void clear() {
        cache.clear();
        if (dirty != null) {
            dirty.clear();
        }
    }
}
