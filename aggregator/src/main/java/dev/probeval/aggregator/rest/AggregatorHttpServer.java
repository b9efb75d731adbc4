package dev.probeval.aggregator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.probeval.aggregator.BoundsQueries;
import dev.probeval.avro.PromptBounds;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's read-only HTTP API (JDK HttpServer, JSON via Jackson), correct with several instances: queries
 * over all keys fan out to every instance of the application ({@code ?scope=local} asks one instance for its own
 * stores only) and single-key queries are forwarded to the instance that owns the key.
 *
 * <ul>
 *   <li>{@code GET /api/v1/models}: every model version with its roll-ups per suite and split
 *   <li>{@code GET /api/v1/models/{version}/bounds}: the roll-ups of one version (404 if unknown)
 *   <li>{@code GET /api/v1/models/{version}/prompts/{promptId}}: latest emitted bounds of every request for the prompt
 *   <li>{@code GET /api/v1/requests/{requestId}}: live bounds of one request, from its owner
 *   <li>{@code GET /metrics}: Prometheus text format; {@code GET /health}; {@code GET /}: a live dashboard page
 * </ul>
 * Path segments are URL-decoded, so a model version containing '/' is passed as %2F.
 */
public final class AggregatorHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOCAL = "scope=local";

  private final HttpServer http;
  private final ExecutorService executor;
  private final HttpClient client;
  private final PrometheusMeterRegistry prometheus;
  private volatile BoundsQueries queries;
  private volatile HostInfo self;
  private volatile String state = "STARTING";

  /** Binds {@code host:port} (0 picks a free port) and starts serving; queries answer 503 until {@link #attach}. */
  public AggregatorHttpServer(String host, int port, PrometheusMeterRegistry prometheus) {
    this.prometheus = prometheus;
    try {
      this.http = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot bind the aggregator's HTTP API on " + host + ":" + port + ": "
          + e.getMessage(), e);
    }
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "probeval-aggregator-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    http.start();
  }

  /** Connects the server to the running Streams instance, advertised as {@code self}. */
  public void attach(BoundsQueries queries, HostInfo self) {
    this.queries = queries;
    this.self = self;
  }

  /** The Streams state shown by /health. */
  public void state(String state) {
    this.state = state;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private record Response(int status, String contentType, byte[] body) {
    static Response json(int status, Object value) {
      try {
        return new Response(status, "application/json", JSON.writeValueAsBytes(value));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Response error(int status, String message) {
      return json(status, Map.of("error", message));
    }
  }

  private void handle(HttpExchange ex) {
    Response r;
    try {
      if (!"GET".equals(ex.getRequestMethod())) {
        r = Response.error(405, "read-only API: only GET is supported");
      } else {
        r = route(ex.getRequestURI());
      }
    } catch (InvalidStateStoreException e) {
      r = Response.error(503, "state stores not queryable right now (rebalancing or restoring): " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("HTTP {} failed", ex.getRequestURI(), e);
      r = Response.error(500, e.toString());
    }
    try (ex) {
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
      if (r.body().length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(r.body());
        }
      }
    } catch (IOException e) {
      LOG.debug("client went away", e);
    }
  }

  private Response route(URI uri) {
    String raw = uri.getRawPath();
    boolean local = LOCAL.equals(uri.getRawQuery());
    List<String> seg = new ArrayList<>();
    for (String s : raw.split("/")) {
      if (!s.isEmpty()) {
        seg.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      }
    }
    if (seg.isEmpty()) {
      return dashboard();
    }
    if (seg.size() == 1 && seg.get(0).equals("metrics")) {
      return new Response(200, "text/plain; version=0.0.4; charset=utf-8",
          prometheus.scrape().getBytes(StandardCharsets.UTF_8));
    }
    if (seg.size() == 1 && seg.get(0).equals("health")) {
      return Response.json(state.equals("RUNNING") ? 200 : 503, Map.of("state", state));
    }
    if (seg.size() < 3 || !seg.get(0).equals("api") || !seg.get(1).equals("v1")) {
      return Response.error(404, "no such resource: " + raw);
    }
    BoundsQueries q = queries;
    if (q == null) {
      return Response.error(503, "the aggregator is starting");
    }
    String resource = seg.get(2);
    if (resource.equals("models") && seg.size() == 3) {
      return models(q, local);
    }
    if (resource.equals("models") && seg.size() == 5 && seg.get(4).equals("bounds")) {
      return modelBounds(q, seg.get(3), local);
    }
    if (resource.equals("models") && seg.size() == 6 && seg.get(4).equals("prompts")) {
      return prompts(q, seg.get(3), seg.get(5), local);
    }
    if (resource.equals("requests") && seg.size() == 4) {
      return request(q, seg.get(3), raw, local);
    }
    return Response.error(404, "no such resource: " + raw);
  }

  private Response models(BoundsQueries q, boolean local) {
    List<Map<String, Object>> all = gather(local, "/api/v1/models", "groups",
        () -> q.localModelBounds().stream().map(AvroJson::toMap).toList());
    if (local) {
      return Response.json(200, Map.of("groups", all));
    }
    Map<String, List<Map<String, Object>>> byVersion = new TreeMap<>();
    for (Map<String, Object> g : all) {
      byVersion.computeIfAbsent((String) g.get("modelVersion"), k -> new ArrayList<>()).add(g);
    }
    List<Map<String, Object>> models = new ArrayList<>();
    byVersion.forEach((v, groups) -> {
      groups.sort(Comparator.comparing((Map<String, Object> g) -> (String) g.get("suite"))
          .thenComparing(g -> (String) g.get("split")));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("modelVersion", v);
      m.put("groups", groups);
      models.add(m);
    });
    return Response.json(200, Map.of("models", models));
  }

  private Response modelBounds(BoundsQueries q, String version, boolean local) {
    List<Map<String, Object>> all = gather(local, "/api/v1/models/" + enc(version) + "/bounds", "groups",
        () -> q.localModelBounds(version).stream().map(AvroJson::toMap).toList());
    if (!local && all.isEmpty()) {
      return Response.error(404, "no bounds for model version " + version);
    }
    all = new ArrayList<>(all);
    all.sort(Comparator.comparing((Map<String, Object> g) -> (String) g.get("suite"))
        .thenComparing(g -> (String) g.get("split")));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("modelVersion", version);
    m.put("groups", all);
    return Response.json(200, m);
  }

  private Response prompts(BoundsQueries q, String version, String promptId, boolean local) {
    List<Map<String, Object>> all = gather(local,
        "/api/v1/models/" + enc(version) + "/prompts/" + enc(promptId), "prompts",
        () -> q.localPromptBounds(version, promptId).stream().map(AvroJson::toMap).toList());
    if (!local && all.isEmpty()) {
      return Response.error(404, "no bounds for prompt " + promptId + " of model version " + version);
    }
    all = new ArrayList<>(all);
    all.sort(Comparator.comparing(g -> (String) g.get("requestId")));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("modelVersion", version);
    m.put("promptId", promptId);
    m.put("prompts", all);
    return Response.json(200, m);
  }

  private Response request(BoundsQueries q, String requestId, String rawPath, boolean local) {
    Optional<HostInfo> owner = q.ownerOfRequest(requestId);
    if (owner.isEmpty()) {
      return Response.error(503, "the owner of request " + requestId + " is not known right now (rebalancing)");
    }
    if (!local && !owner.get().equals(self)) {
      return forward(owner.get(), rawPath + "?" + LOCAL);
    }
    Optional<PromptBounds> pb = q.localRequestBounds(requestId, System.currentTimeMillis());
    return pb.map(b -> Response.json(200, AvroJson.toMap(b)))
        .orElseGet(() -> Response.error(404, "unknown request " + requestId));
  }

  private Response forward(HostInfo host, String pathAndQuery) {
    try {
      HttpResponse<byte[]> resp = client.send(HttpRequest.newBuilder(url(host, pathAndQuery))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(resp.statusCode(), "application/json", resp.body());
    } catch (IOException e) {
      return Response.error(502, "instance " + host + " did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Response.error(503, "interrupted");
    }
  }

  private interface LocalQuery {
    List<Map<String, Object>> get();
  }

  /** This instance's answer, plus (unless {@code local}) every other instance's {@code field} list. */
  private List<Map<String, Object>> gather(boolean local, String path, String field, LocalQuery localQuery) {
    List<Map<String, Object>> all = new ArrayList<>(localQuery.get());
    if (local) {
      return all;
    }
    for (HostInfo h : queries.allInstances()) {
      if (h.equals(self)) {
        continue;
      }
      try {
        HttpResponse<byte[]> resp = client.send(HttpRequest.newBuilder(url(h, path + "?" + LOCAL))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
          throw new InvalidStateStoreException("instance " + h + " answered " + resp.statusCode());
        }
        JsonNode node = JSON.readTree(resp.body()).get(field);
        for (JsonNode n : node) {
          @SuppressWarnings("unchecked")
          Map<String, Object> m = JSON.convertValue(n, LinkedHashMap.class);
          all.add(m);
        }
      } catch (IOException e) {
        throw new InvalidStateStoreException("instance " + h + " did not answer: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InvalidStateStoreException("interrupted");
      }
    }
    return all;
  }

  private static URI url(HostInfo h, String pathAndQuery) {
    return URI.create("http://" + h.host() + ":" + h.port() + pathAndQuery);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Response dashboard() {
    try (InputStream in = AggregatorHttpServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        return Response.error(404, "dashboard page not packaged");
      }
      return new Response(200, "text/html; charset=utf-8", in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
