package dev.probeval.aggregator;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task-local, write-through object cache in front of one key-value store: {@link #get} returns the decoded object
 * without deserializing it again, {@link #put}/{@link #delete} write the store first (so the store, its changelog and
 * the task's transaction always hold every change before Streams commits the input offsets) and then the cache.
 *
 * <p>Why write-through and not write-back: Kafka Streams 4.3 flushes only its own {@code CachedStateStore}s on a
 * commit (ProcessorStateManager.flushCache), so a processor-level write-back cache would have no hook that runs
 * before the offsets are committed. The serialization per put stays (it is cheap: a few hundred bytes written into
 * one array); the decode per get is what this saves. Safe under exactly-once: the cache belongs to one processor
 * instance of one task; after an aborted transaction Streams closes the task (close() drops the cache) and
 * re-initialises it from the restored store. Cached values may be mutable: callers mutate them only right before a
 * {@link #put} of the same object within the same record's processing. Bounded: least recently used entries beyond
 * {@code maxEntries} are dropped (they are re-read from the store). Not thread-safe (stream thread only; interactive
 * queries read the store itself).
 */
final class CachedStore<V> {
  private final KeyValueStore<String, V> store;
  private final LinkedHashMap<String, V> cache;

  CachedStore(KeyValueStore<String, V> store, int maxEntries) {
    this.store = store;
    this.cache = new LinkedHashMap<>(Math.min(1024, Math.max(16, maxEntries)), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > maxEntries;
      }
    };
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
    store.put(key, value);
    cache.put(key, value);
  }

  void delete(String key) {
    store.delete(key);
    cache.remove(key);
  }

  KeyValueStore<String, V> store() {
    return store;
  }

  void clear() {
    cache.clear();
  }

  int cachedEntries() {
    return cache.size();
  }
}
