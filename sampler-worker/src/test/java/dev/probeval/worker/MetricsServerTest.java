package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.http.Health;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each route of the worker's metrics endpoint over real HTTP on an ephemeral port, no broker. */
class MetricsServerTest {
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final java.util.concurrent.atomic.AtomicReference<Health> health =
            new java.util.concurrent.atomic.AtomicReference<>(Health.notReady("JOINING", java.util.Map.of()));
    PrometheusMeterRegistry registry;
    MetricsServer server;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = new MetricsServer("127.0.0.1", 0, registry, health::get);
    }

    @AfterEach
    void stop() {
        server.close();
        registry.close();
    }

    HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String type(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").orElse("");
    }

    @Test
    void metricsServesTheRegistryInPrometheusTextFormat() throws Exception {
        registry.counter("probeval.worker.samples").increment(3);
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", type(r));
        assertTrue(r.body().contains("# TYPE probeval_worker_samples_total counter"), r.body());
        assertTrue(r.body().contains("probeval_worker_samples_total 3.0"), r.body());
    }

    @Test
    void healthRoutesAnswerLiveAndReadyFromTheWorkersHealth() throws Exception {
        HttpResponse<String> joining = send("GET", "/health/ready");
        assertEquals(503, joining.statusCode());
        assertEquals("application/json", type(joining));
        assertEquals("{\"state\":\"JOINING\",\"live\":true,\"ready\":false,\"details\":{}}", joining.body());
        assertEquals(200, send("GET", "/health/live").statusCode());
        assertEquals(503, send("GET", "/health").statusCode(), "/health is an alias of /health/ready");
        health.set(Health.ready("RUNNING", java.util.Map.of()));
        assertEquals(200, send("GET", "/health/ready").statusCode());
        assertEquals(200, send("GET", "/health").statusCode());
        health.set(Health.dead("FAILED", java.util.Map.of()));
        assertEquals(503, send("GET", "/health/live").statusCode());
    }

    @Test
    void unknownPathsAndOtherMethodsAnswerInTheErrorShape() throws Exception {
        HttpResponse<String> missing = send("GET", "/nope");
        assertEquals(404, missing.statusCode());
        assertEquals("application/json", type(missing));
        assertEquals("{\"error\":\"no endpoint GET /nope\"}", missing.body());
        HttpResponse<String> post = send("POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("{\"error\":\"HTTP POST not allowed on /metrics\"}", post.body());
    }
}
