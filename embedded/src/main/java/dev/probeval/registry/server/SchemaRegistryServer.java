package dev.probeval.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.RestSchemaRegistryClient;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.registry.SchemaRegistryState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the part of Confluent's REST API that serdes and common tools use, so Confluent's
 * clients, {@code curl} recipes and probeval's own serde work against it unchanged:
 *
 * <ul>
 *   <li>{@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}} (lookup), {@code GET /subjects},
 *       {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{v|latest}[/schema]}
 *   <li>{@code GET /schemas/ids/{id}[/schema|/versions]}, {@code GET /schemas/types}
 *   <li>{@code POST /compatibility/subjects/{s}/versions/{v|latest}[?verbose=true]}
 *   <li>{@code GET|PUT /config}, {@code GET|PUT|DELETE /config/{s}}
 * </ul>
 *
 * Errors use Confluent's body, {@code {"error_code":40401,"message":"..."}}. The default compatibility is BACKWARD
 * (checked with Avro's SchemaCompatibility). State lives in a compacted Kafka topic ({@value #DEFAULT_TOPIC} by
 * default), so a restarted registry hands out the same ids. Binds 127.0.0.1 unless told otherwise.
 */
public final class SchemaRegistryServer implements AutoCloseable {
  /** Default name of the compacted topic holding the registry's state. */
  public static final String DEFAULT_TOPIC = "_probeval_schemas";
  /** Confluent's default port. */
  public static final int DEFAULT_PORT = 8081;

  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistryState state;
  private final KafkaSchemaStore store;
  private final HttpServer http;
  private final ExecutorService executor;
  private final Object writeLock = new Object();
  private volatile boolean closed;

  /** Builder; only {@link #bootstrapServers} is required. */
  public static final class Builder {
    private String bootstrapServers;
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private String topic = DEFAULT_TOPIC;
    private short replicationFactor = 1;
    private CompatibilityLevel defaultCompatibility = CompatibilityLevel.BACKWARD;
    private final Map<String, Object> kafkaConfig = new HashMap<>();

    /** Kafka cluster holding the schema topic. */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** Interface to bind (default 127.0.0.1; use 0.0.0.0 to serve other hosts). */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port; default 8081, 0 picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** Schema topic (default {@value #DEFAULT_TOPIC}); created compacted with one partition if missing. */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Replication factor of the schema topic when it has to be created (default 1). */
    public Builder replicationFactor(short replicationFactor) {
      if (replicationFactor < 1) {
        throw new IllegalArgumentException("replication factor must be >= 1, got " + replicationFactor);
      }
      this.replicationFactor = replicationFactor;
      return this;
    }

    /** Global compatibility level until one is stored in the topic (default BACKWARD). */
    public Builder defaultCompatibility(CompatibilityLevel level) {
      this.defaultCompatibility = level;
      return this;
    }

    /** Extra Kafka client settings (security protocol, SASL) for the store's clients. */
    public Builder kafkaConfig(String key, Object value) {
      kafkaConfig.put(key, value);
      return this;
    }

    /** Replays the schema topic, then starts serving. */
    public SchemaRegistryServer start() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrap servers are required");
      }
      Map<String, Object> cfg = new HashMap<>(kafkaConfig);
      cfg.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      return new SchemaRegistryServer(this, cfg);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  private SchemaRegistryServer(Builder b, Map<String, Object> kafkaConfig) {
    this.state = new SchemaRegistryState(b.defaultCompatibility);
    this.store = new KafkaSchemaStore(kafkaConfig, b.topic, b.replicationFactor);
    try {
      int restored = store.catchUp(state);
      LOG.info("Schema registry restored {} records from {} (max id {})", restored, b.topic, state.maxId());
      this.http = HttpServer.create(new InetSocketAddress(b.host, b.port), 64);
    } catch (IOException e) {
      store.close();
      throw new UncheckedIOException("Cannot bind the schema registry to " + b.host + ":" + b.port + ": " + e, e);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "probeval-registry-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
    LOG.info("Schema registry listening on {}", url());
  }

  /** Base URL for {@code schema.registry.url}, for example {@code http://127.0.0.1:8081}. */
  public String url() {
    InetSocketAddress a = http.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** The compacted topic the state lives in. */
  public String topic() {
    return store.topic();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    http.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (writeLock) {
      store.close();
    }
  }

  // ---------------------------------------------------------------------------------------------- request handling

  private record Response(int status, String body) {}

  private void handle(HttpExchange ex) throws IOException {
    Response r;
    try {
      r = route(ex.getRequestMethod(), segments(ex.getRequestURI().getRawPath()),
          query(ex.getRequestURI().getRawQuery()), ex);
    } catch (SchemaRegistryException e) {
      r = error(e.httpStatus() > 0 ? e.httpStatus() : 500, e.errorCode(), e.getMessage());
    } catch (BadRequest e) {
      r = error(e.status, e.code, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("Registry request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      r = error(500, SchemaRegistryException.STORE_ERROR, "Error in the backend data store: " + e.getMessage());
    }
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
    ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private Response route(String method, List<String> p, Map<String, String> q, HttpExchange ex) throws IOException {
    int n = p.size();
    if (n == 0) {
      return only(method, "GET", () -> ok("{}"));
    }
    switch (p.get(0)) {
      case "subjects" -> {
        if (n == 1) {
          return only(method, "GET", () -> ok(array(state.subjects())));
        }
        String subject = p.get(1);
        if (n == 2) {
          return only(method, "POST", () -> ok(metadata(withCatchUp(() -> state.lookup(subject, schemaOf(ex))))));
        }
        if (p.get(2).equals("versions")) {
          if (n == 3 && method.equals("POST")) {
            return ok(JSON.createObjectNode().put("id", register(subject, schemaOf(ex)).id()).toString());
          }
          if (n == 3) {
            return only(method, "GET", () -> ok(array(withCatchUp(() -> state.versions(subject)))));
          }
          if (n == 4) {
            return only(method, "GET", () -> ok(metadata(version(subject, p.get(3)))));
          }
          if (n == 5 && p.get(4).equals("schema")) {
            return only(method, "GET", () -> ok(version(subject, p.get(3)).schema()));
          }
        }
      }
      case "schemas" -> {
        if (n == 2 && p.get(1).equals("types")) {
          return only(method, "GET", () -> ok("[\"AVRO\"]"));
        }
        if (n >= 3 && p.get(1).equals("ids")) {
          int id = parseInt(p.get(2), "schema id");
          if (n == 3) {
            return only(method, "GET", () -> ok(JSON.createObjectNode()
                .put("schema", withCatchUp(() -> state.schemaById(id))).toString()));
          }
          if (n == 4 && p.get(3).equals("schema")) {
            return only(method, "GET", () -> ok(withCatchUp(() -> state.schemaById(id))));
          }
          if (n == 4 && p.get(3).equals("versions")) {
            return only(method, "GET", () -> {
              ArrayNode a = JSON.createArrayNode();
              for (SchemaMetadata m : withCatchUp(() -> state.usagesOf(id))) {
                a.addObject().put("subject", m.subject()).put("version", m.version());
              }
              return ok(a.toString());
            });
          }
        }
      }
      case "compatibility" -> {
        if (n == 5 && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
          return only(method, "POST", () -> {
            String subject = p.get(2);
            Integer version = p.get(4).equals("latest") ? null : version(subject, p.get(4)).version();
            SchemaRegistryState.CompatibilityResult c =
                withCatchUp(() -> state.checkCompatibility(subject, schemaOf(ex), version));
            ObjectNode o = JSON.createObjectNode().put("is_compatible", c.compatible());
            if (Boolean.parseBoolean(q.getOrDefault("verbose", "false"))) {
              c.messages().forEach(o.putArray("messages")::add);
            }
            return ok(o.toString());
          });
        }
      }
      case "config" -> {
        String subject = n == 2 ? p.get(1) : null;
        if (n > 2) {
          break;
        }
        switch (method) {
          case "GET" -> {
            Optional<CompatibilityLevel> level = subject == null
                ? Optional.of(state.globalCompatibility())
                : state.subjectCompatibility(subject);
            if (level.isEmpty() && Boolean.parseBoolean(q.getOrDefault("defaultToGlobal", "false"))) {
              level = Optional.of(state.globalCompatibility());
            }
            if (level.isEmpty()) {
              throw new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_CONFIG_NOT_FOUND,
                  "Subject '" + subject + "' does not have subject-level compatibility configured");
            }
            return ok(JSON.createObjectNode().put("compatibilityLevel", level.get().name()).toString());
          }
          case "PUT" -> {
            JsonNode body = body(ex);
            CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").asText(null));
            synchronized (writeLock) {
              store.appendConfig(subject, level);
              state.applyConfig(subject, level);
            }
            return ok(JSON.createObjectNode().put("compatibility", level.name()).toString());
          }
          case "DELETE" -> {
            if (subject == null) {
              break;
            }
            CompatibilityLevel previous = state.subjectCompatibility(subject).orElseThrow(() ->
                new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_CONFIG_NOT_FOUND,
                    "Subject '" + subject + "' does not have subject-level compatibility configured"));
            synchronized (writeLock) {
              store.appendConfig(subject, null);
              state.applyConfig(subject, null);
            }
            return ok(JSON.createObjectNode().put("compatibilityLevel", previous.name()).toString());
          }
          default -> throw new BadRequest(405, 405, "HTTP " + method + " not allowed on /config");
        }
      }
      default -> { }
    }
    throw new BadRequest(404, 404, "HTTP 404 Not Found: no endpoint " + method + " /" + String.join("/", p));
  }

  private SchemaMetadata register(String subject, String schema) {
    synchronized (writeLock) {
      // Another instance on the same topic may have registered since we last looked: read its records first.
      store.catchUp(state);
      SchemaRegistryState.Registration r = state.prepareRegister(subject, schema);
      if (r.isNew()) {
        store.appendSchema(r.metadata());
        state.apply(r.metadata());
        LOG.info("Registered {} version {} as id {}", subject, r.metadata().version(), r.metadata().id());
      }
      return r.metadata();
    }
  }

  private SchemaMetadata version(String subject, String v) {
    if (v.equals("latest") || v.equals("-1")) {
      return withCatchUp(() -> state.latest(subject));
    }
    int version;
    try {
      version = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      version = -2;
    }
    if (version < 1) {
      throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_VERSION,
          "The specified version '" + v + "' is not a valid version id. Allowed values are between "
              + "[1, 2^31-1] and the string \"latest\"");
    }
    int ver = version;
    return withCatchUp(() -> state.version(subject, ver));
  }

  /** Reads answer from memory; on "not found" reads the topic once more, as another instance may have written. */
  private <T> T withCatchUp(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() != 404) {
        throw e;
      }
      synchronized (writeLock) {
        if (store.catchUp(state) == 0) {
          throw e;
        }
      }
      return read.get();
    }
  }

  private static String schemaOf(HttpExchange ex) {
    JsonNode body = body(ex);
    String type = body.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
          "Invalid schema: schemaType " + type + " is not supported by this registry (AVRO only)");
    }
    if (body.has("references") && body.get("references").size() > 0) {
      throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
          "Invalid schema: schema references are not supported by this registry");
    }
    JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
          "Invalid schema: the request body needs a string field \"schema\"");
    }
    return schema.asText();
  }

  private static JsonNode body(HttpExchange ex) {
    try (InputStream in = ex.getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      if (bytes.length == 0) {
        throw new BadRequest(400, 400, "Request body is empty; expected JSON");
      }
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new BadRequest(400, 400, "Request body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new BadRequest(400, 400, "Request body is not valid JSON: " + e.getMessage());
    }
  }

  private static String metadata(SchemaMetadata m) {
    return JSON.createObjectNode().put("subject", m.subject()).put("version", m.version()).put("id", m.id())
        .put("schema", m.schema()).toString();
  }

  private static String array(List<?> items) {
    ArrayNode a = JSON.createArrayNode();
    for (Object o : items) {
      if (o instanceof Integer i) {
        a.add(i);
      } else {
        a.add(String.valueOf(o));
      }
    }
    return a.toString();
  }

  private static Response ok(String body) {
    return new Response(200, body);
  }

  private static Response error(int status, int code, String message) {
    return new Response(status, JSON.createObjectNode().put("error_code", code).put("message", message).toString());
  }

  private interface Handler {
    Response get();
  }

  private static Response only(String method, String allowed, Handler h) {
    if (!method.equals(allowed)) {
      throw new BadRequest(405, 405, "HTTP " + method + " not allowed here; use " + allowed);
    }
    return h.get();
  }

  private static int parseInt(String s, String what) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new BadRequest(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found: bad " + what + " '" + s + "'");
    }
  }

  private static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        // Path segments are percent-encoded; '+' is a literal plus, not a space.
        out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> m = new HashMap<>();
    if (rawQuery != null) {
      for (String kv : rawQuery.split("&")) {
        int i = kv.indexOf('=');
        String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
        m.put(k, i < 0 ? "true" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
      }
    }
    return m;
  }

  /** A request error that is not a registry rule (unknown path, bad JSON). */
  private static final class BadRequest extends RuntimeException {
    final int status;
    final int code;

    BadRequest(int status, int code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
}
