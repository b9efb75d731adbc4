package dev.probeval.aggregator.rest;

import static dev.probeval.aggregator.rest.AggregatorHttpServerTest.HTTP;
import static dev.probeval.aggregator.rest.AggregatorHttpServerTest.get;
import static dev.probeval.aggregator.rest.AggregatorHttpServerTest.model;
import static dev.probeval.aggregator.rest.AggregatorHttpServerTest.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.ModelVersionBounds;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP API's bounds over real HTTP: queries on their own bounded pool (health and metrics answer while it is
 * saturated, 503 beyond its queue) and a cap on open dashboard event streams whose slots come back when a stream
 * closes.
 */
class AggregatorHttpServerLimitsTest {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AggregatorHttpServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(AggregatorHttpServer::close);
        prometheus.close();
    }

    private AggregatorHttpServer start(int maxEventSubscribers, int queryThreads, int queryQueue, GatedQueries q) {
        AggregatorHttpServer s = new AggregatorHttpServer(
                "127.0.0.1", 0, prometheus, 20, maxEventSubscribers, queryThreads, queryQueue, 20);
        servers.add(s);
        HostInfo self = new HostInfo("127.0.0.1", s.port());
        q.self = self;
        s.attach(q, self);
        s.state("RUNNING");
        return s;
    }

    /** Roll-up reads wait at a gate the test opens; every other read answers at once. */
    static final class GatedQueries implements InteractiveQueries {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger entered = new AtomicInteger();
        final List<ModelVersionBounds> models = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean gated;
        volatile HostInfo self;

        @Override
        public List<ModelVersionBounds> localModelBounds() {
            if (gated) {
                entered.incrementAndGet();
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return List.copyOf(models);
        }

        @Override
        public List<ModelVersionBounds> localModelBounds(String modelVersion) {
            return localModelBounds().stream()
                    .filter(m -> m.getModelVersion().equals(modelVersion))
                    .toList();
        }

        @Override
        public List<dev.probeval.avro.PromptBounds> localPromptBounds(String modelVersion, String promptId) {
            return List.of();
        }

        @Override
        public List<dev.probeval.avro.PromptBounds> localVersionPrompts(String modelVersion) {
            return List.of();
        }

        @Override
        public java.util.Optional<dev.probeval.avro.PromptBounds> localRequestBounds(String requestId, long nowMs) {
            return java.util.Optional.of(prompt(requestId, "m1", "p1"));
        }

        @Override
        public java.util.Optional<HostInfo> ownerOfRequest(String requestId) {
            return java.util.Optional.of(self);
        }

        @Override
        public List<HostInfo> allInstances() {
            return List.of(self);
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void healthAndMetricsAnswerWhileMoreSlowQueriesAreInFlightThanTheServerHasThreads() throws Exception {
        GatedQueries q = new GatedQueries();
        q.models.add(model("m1", "tofu", "forget", 3));
        q.gated = true;
        // 2 running + 30 waiting: more than the server's 16 threads, so a query holding a server thread would starve
        // the health routes.
        AggregatorHttpServer s = start(4, 2, 30, q);
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            inFlight.add(HTTP.sendAsync(request(s, "/api/v1/models"), HttpResponse.BodyHandlers.ofString()));
        }
        await(() -> q.entered.get() == 2 && s.queriesWaiting() == 30, "2 queries running and 30 waiting");

        assertEquals(200, get(s, "/health/live").status(), "liveness answers while the query pool is saturated");
        assertEquals(200, get(s, "/health/ready").status());
        assertEquals(200, get(s, "/metrics").status());
        assertEquals(
                200,
                get(s, "/api/v1/requests/r1?scope=local").status(),
                "the local reads other instances ask for have their own pool");

        HttpResponse<String> refused = HTTP.send(request(s, "/api/v1/models"), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, refused.statusCode());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals(
                "application/json", refused.headers().firstValue("Content-Type").orElse(""));
        assertEquals("{\"error\":\"too many queries in flight (2 running, 30 waiting); retry later\"}", refused.body());

        q.gate.countDown();
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"modelVersion\":\"m1\""), r.body());
        }
    }

    @Test
    void queryErrorsKeepTheirStatusWhenRunOnThePool() throws Exception {
        GatedQueries q = new GatedQueries();
        AggregatorHttpServer s = start(4, 1, 0, q);
        AggregatorHttpServerTest.Reply r = get(s, "/api/v1/models/" + "v".repeat(3000) + "/bounds");
        assertEquals(404, r.status());
        assertEquals(
                "{\"error\":\"no bounds for model version " + dev.probeval.core.text.Texts.clip("v".repeat(3000))
                        + "\"}",
                r.body(),
                "the client's version is clipped in the message");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eventStreamsBeyondTheCapAre503AndAClosedStreamGivesItsSlotBack() throws Exception {
        GatedQueries q = new GatedQueries();
        q.models.add(model("m1", "tofu", "forget", 3));
        AggregatorHttpServer s = start(1, 2, 4, q);

        HttpResponse<Stream<String>> first = openEvents(s);
        assertEquals(200, first.statusCode());
        Iterator<String> lines = first.body().iterator();
        assertTrue(next(lines, "event: hello"), "the first stream is served");

        HttpResponse<String> second = HTTP.send(eventsRequest(s), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, second.statusCode());
        assertEquals(
                "application/json", second.headers().firstValue("Content-Type").orElse(""));
        assertEquals(
                "{\"error\":\"too many dashboard event streams open (at most 1); close one or retry later\"}",
                second.body());
        assertEquals(1, s.eventSlotsHeld(), "a refused request holds no slot");

        first.body().close(); // the browser goes away
        await(() -> s.eventSlotsHeld() == 0, "the closed stream's slot released");

        HttpResponse<Stream<String>> third = openEvents(s);
        assertEquals(200, third.statusCode(), "a new stream fits again");
        assertTrue(next(third.body().iterator(), "event: hello"));
        third.body().close();
    }

    @Test
    void anEventsRequestThatDoesNotAcceptAStreamIs406AndHoldsNoSlot() throws Exception {
        AggregatorHttpServer s = start(1, 1, 1, new GatedQueries());
        AggregatorHttpServerTest.Reply r = get(s, "/api/v1/events");
        assertEquals(406, r.status());
        assertEquals(
                "{\"error\":\"this endpoint streams server-sent events: send Accept: text/event-stream\"}", r.body());
        assertEquals(0, s.eventSlotsHeld());
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private static HttpRequest request(AggregatorHttpServer s, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build();
    }

    private static HttpRequest eventsRequest(AggregatorHttpServer s) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/v1/events"))
                .header("Accept", "text/event-stream")
                .GET()
                .build();
    }

    private static HttpResponse<Stream<String>> openEvents(AggregatorHttpServer s) throws Exception {
        return HTTP.send(eventsRequest(s), HttpResponse.BodyHandlers.ofLines());
    }

    private static boolean next(Iterator<String> lines, String line) {
        while (lines.hasNext()) {
            if (lines.next().equals(line)) {
                return true;
            }
        }
        return false;
    }

    /** Liveness guard only: waits (generously) for a state the test then asserts on. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
