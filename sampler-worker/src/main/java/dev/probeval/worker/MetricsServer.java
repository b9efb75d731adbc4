package dev.probeval.worker;

import dev.probeval.http.ErrorShape;
import dev.probeval.http.WebServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * The worker's HTTP endpoint (on {@link WebServer}): {@code GET /metrics} in Prometheus text format and
 * {@code GET /health} answering {@code {"status":"UP"}}. Errors (unknown path 404, other methods 405) are
 * {@code {"error":"message"}} as {@code application/json}.
 */
public final class MetricsServer implements AutoCloseable {
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final WebServer http;

  /** Binds {@code host:port} (0 picks a free port) and serves {@code registry}. */
  public MetricsServer(String host, int port, PrometheusMeterRegistry registry) {
    // Scrapes are rare and small: a handful of threads is plenty.
    http = WebServer.builder("worker-metrics").host(host).port(port).maxThreads(6).errorShape(ErrorShape.MESSAGE)
        .routes(r -> {
          r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TYPE).result(registry.scrape()));
          r.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
        })
        .start();
  }

  /** The bound port (the ephemeral one when started with port 0). */
  public int port() {
    return http.port();
  }

  @Override
  public void close() {
    http.close();
  }
}
