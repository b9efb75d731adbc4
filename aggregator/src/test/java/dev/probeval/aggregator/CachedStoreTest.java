package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The two write policies of {@link CachedStore} against a real (in-memory) key-value store. */
class CachedStoreTest {
    private KeyValueStore<String, String> store;

    @BeforeEach
    void open() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.String())
                .withLoggingDisabled()
                .build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void writeThroughWritesTheStoreAtOnce() {
        CachedStore<String> c = CachedStore.writeThrough(store, 10);
        c.put("a", "1");
        assertEquals("1", store.get("a"));
        assertEquals(0, c.dirtyEntries());
        c.delete("a");
        assertNull(store.get("a"));
        assertNull(c.get("a"));
    }

    @Test
    void writeBackWritesOnFlushOnly() {
        CachedStore<String> c = CachedStore.writeBack(store, 10);
        c.put("a", "1");
        c.put("a", "2");
        c.put("b", "3");
        assertNull(store.get("a"), "nothing reaches the store before the flush");
        assertEquals("2", c.get("a"), "the cache answers with the latest object");
        assertEquals(2, c.dirtyEntries());
        c.flush();
        assertEquals("2", store.get("a"));
        assertEquals("3", store.get("b"));
        assertEquals(0, c.dirtyEntries());
        c.flush(); // idempotent
        assertEquals("2", store.get("a"));
    }

    @Test
    void evictingADirtyEntryWritesIt() {
        CachedStore<String> c = CachedStore.writeBack(store, 2);
        c.put("a", "1");
        c.put("b", "2");
        c.put("c", "3"); // evicts "a", the least recently used
        assertEquals("1", store.get("a"), "a dirty entry is written when it leaves the cache");
        assertNull(store.get("b"));
        assertEquals(2, c.dirtyEntries());
        assertEquals("1", c.get("a"), "re-read from the store");
        c.flush();
        assertEquals("2", store.get("b"));
        assertEquals("3", store.get("c"));
    }

    @Test
    void deleteForgetsAPendingWrite() {
        store.put("a", "old");
        CachedStore<String> c = CachedStore.writeBack(store, 10);
        c.put("a", "new");
        c.delete("a");
        c.flush();
        assertNull(store.get("a"), "a flush after the delete must not resurrect the entry");
        assertNull(c.get("a"));
    }

    @Test
    void clearDropsPendingWrites() {
        CachedStore<String> c = CachedStore.writeBack(store, 10);
        String v = "1";
        c.put("a", v);
        assertSame(v, c.get("a"));
        c.clear(); // a closing task: an aborted transaction's changes go with it
        c.flush();
        assertNull(store.get("a"));
    }
}
