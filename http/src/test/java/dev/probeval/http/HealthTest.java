package dev.probeval.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The three health routes over real HTTP, answering from a health value the test switches. */
class HealthTest {
    @Test
    void liveAndReadyAnswer200Or503EachWithTheStateAndDetails() throws Exception {
        AtomicReference<Health> now = new AtomicReference<>(Health.notReady("RESTORING", Map.of("restoring", 2)));
        try (WebServer s = WebServer.builder("t")
                .routes(r -> Health.addRoutes(r, now::get))
                .start()) {
            WebServerTest.Reply live = WebServerTest.get(s, "/health/live");
            assertEquals(200, live.status());
            assertEquals("application/json", live.contentType());
            assertEquals(
                    "{\"state\":\"RESTORING\",\"live\":true,\"ready\":false,\"details\":{\"restoring\":2}}",
                    live.body());
            assertEquals(503, WebServerTest.get(s, "/health/ready").status());
            assertEquals(503, WebServerTest.get(s, "/health").status(), "/health is an alias of ready");
            assertEquals(live.body(), WebServerTest.get(s, "/health/ready").body());

            now.set(Health.ready("RUNNING", Map.of()));
            assertEquals(200, WebServerTest.get(s, "/health/ready").status());
            assertEquals(
                    "{\"state\":\"RUNNING\",\"live\":true,\"ready\":true,\"details\":{}}",
                    WebServerTest.get(s, "/health").body());

            now.set(Health.dead("ERROR", Map.of("error", "boom")));
            WebServerTest.Reply dead = WebServerTest.get(s, "/health/live");
            assertEquals(503, dead.status());
            assertEquals(
                    "{\"state\":\"ERROR\",\"live\":false,\"ready\":false,\"details\":{\"error\":\"boom\"}}",
                    dead.body());
            assertEquals(503, WebServerTest.get(s, "/health/ready").status());
        }
    }

    @Test
    void aStateNeedsANameAndDetailsAreCopied() {
        assertThrows(IllegalArgumentException.class, () -> Health.ready(" ", Map.of()));
        java.util.Map<String, Object> d = new java.util.HashMap<>(Map.of("a", 1));
        Health h = Health.notReady("STARTING", d);
        d.put("b", 2);
        assertEquals(Map.of("a", 1), h.details());
        assertEquals(Health.notReady("STARTING", Map.of("a", 1)), h);
    }
}
