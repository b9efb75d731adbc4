package dev.probeval.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.http.WebServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's caches stay bounded whatever ids records carry, and an unknown id is not asked for on every record. */
class RestSchemaRegistryClientCacheTest {
    private WebServer stub;
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void stopStub() {
        if (stub != null) {
            stub.close();
        }
    }

    /** Ids below 1000 are schemas, the rest unknown; a {@code /big} path answers more than the client reads. */
    private String startStub() {
        stub = WebServer.builder("registry-stub")
                .routes(r -> r.get("/schemas/ids/{id}", ctx -> {
                    calls.incrementAndGet();
                    int id = Integer.parseInt(ctx.pathParam("id"));
                    if (id < 1000) {
                        ctx.result("{\"schema\":\"{\\\"type\\\":\\\"fixed\\\",\\\"name\\\":\\\"F" + id
                                + "\\\",\\\"size\\\":1}\"}");
                    } else {
                        ctx.status(404).result("{\"error_code\":40403,\"message\":\"Schema " + id + " not found\"}");
                    }
                }))
                .routes(r -> r.get(
                        "/subjects",
                        ctx -> ctx.result("[\"" + "x".repeat(RestSchemaRegistryClient.MAX_RESPONSE_BYTES) + "\"]")))
                .start();
        return stub.url();
    }

    @Test
    void knownIdsBeyondTheCapacityEvictTheLeastRecentlyUsed() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(startStub()), null, 10, Duration.ofHours(1));
        for (int id = 1; id <= 100; id++) {
            assertEquals("F" + id, c.getById(id).getName());
        }
        assertEquals(10, c.cacheSizes()[0]);
        assertEquals(100, calls.get());
        c.getById(100);
        assertEquals(100, calls.get(), "a recent id comes from the cache");
        c.getById(1);
        assertEquals(101, calls.get(), "an evicted one is fetched again");
    }

    @Test
    void anUnknownIdIsAskedForOncePerIntervalNotOncePerRecordAndTheCacheStaysBounded() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(startStub()), null, 10, Duration.ofHours(1));
        for (int record = 0; record < 50; record++) {
            SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> c.getById(4242));
            assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
            assertEquals(404, e.httpStatus(), "a definite answer: the record is dead-lettered, not retried");
        }
        assertEquals(1, calls.get());
        for (int id = 5000; id < 5100; id++) {
            int unknown = id;
            assertThrows(SchemaRegistryException.class, () -> c.getById(unknown));
        }
        assertEquals(10, c.cacheSizes()[2], "random unknown ids are remembered up to the capacity only");
    }

    @Test
    void withoutANotFoundIntervalEveryLookupAsksTheRegistry() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(startStub()), null, 10, Duration.ZERO);
        assertThrows(SchemaRegistryException.class, () -> c.getById(4242));
        assertThrows(SchemaRegistryException.class, () -> c.getById(4242));
        assertEquals(2, calls.get());
    }

    @Test
    void anAnswerLargerThanTheClientReadsIsAnErrorNotAnAllocation() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(startStub()), null);
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, c::getSubjects);
        assertEquals(502, e.httpStatus());
        assertTrue(e.getMessage().endsWith("answered GET /subjects with more than 16777216 bytes"), e.getMessage());
    }

    @Test
    void aBadCapacityIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new RestSchemaRegistryClient(List.of("http://127.0.0.1:1"), null, 0, Duration.ZERO));
    }
}
