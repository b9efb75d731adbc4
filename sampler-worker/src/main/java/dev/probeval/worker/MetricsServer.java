package dev.probeval.worker;

import dev.probeval.http.ErrorShape;
import dev.probeval.http.Health;
import dev.probeval.http.WebServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The worker's HTTP endpoint (on {@link WebServer}): {@code GET /metrics} in Prometheus text format, and
 * {@code GET /health/live}, {@code GET /health/ready} and {@code GET /health} (alias of ready), 200 or 503 with the
 * state's name (see {@link Health} and {@link WorkerHealth}). Errors (unknown path 404, other methods 405) are
 * {@code {"error":"message"}} as {@code application/json}.
 */
final class MetricsServer implements AutoCloseable {
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final WebServer http;

    /** Binds {@code host:port} (0 picks a free port) and serves {@code registry} and {@code health}'s answers. */
    MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health) {
        // Scrapes are rare and small: a handful of threads is plenty.
        http = WebServer.builder("worker-metrics")
                .host(host)
                .port(port)
                .maxThreads(6)
                .errorShape(ErrorShape.MESSAGE)
                .routes(r -> {
                    r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TYPE).result(registry.scrape()));
                    Health.addRoutes(r, health);
                })
                .start();
    }

    /** The bound port (the ephemeral one when started with port 0). */
    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
    }
}
