package dev.probeval.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * HTTP client for Confluent's schema registry REST API (Confluent Schema Registry, Apicurio's ccompat API, Karapace,
 * Redpanda, probeval's embedded registry). Uses the JDK's {@link HttpClient}; caches id→schema and
 * (subject, schema)→id forever, as ids are immutable. Several base URLs are tried in order when one is unreachable.
 * Thread-safe.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
  /** Content type of Confluent's API, sent on every request. */
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final List<URI> baseUrls;
  private final Optional<String> authorization;
  private final HttpClient http;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Integer>> idsBySubjectAndSchema = new ConcurrentHashMap<>();

  /**
   * @param baseUrls registry base URLs, for example {@code http://127.0.0.1:8081}; user info in a URL is ignored here
   *     (see {@link #basicAuth})
   * @param userInfo {@code user:password} for HTTP basic authentication, or null for none
   */
  public RestSchemaRegistryClient(List<String> baseUrls, String userInfo) {
    if (baseUrls == null || baseUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one schema registry URL is required");
    }
    List<URI> uris = new ArrayList<>();
    for (String u : baseUrls) {
      URI uri = URI.create(u.trim().replaceAll("/+$", ""));
      if (uri.getScheme() == null || uri.getHost() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException("schema registry URL must be http(s)://host[:port]: '" + u + "'");
      }
      uris.add(withoutUserInfo(uri));
    }
    this.baseUrls = List.copyOf(uris);
    this.authorization = Optional.ofNullable(userInfo).filter(s -> !s.isEmpty()).map(RestSchemaRegistryClient::basicAuth);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The value of an {@code Authorization} header for basic authentication with {@code user:password}. */
  public static String basicAuth(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  /** Base URLs in the order they are tried. */
  public List<URI> baseUrls() {
    return baseUrls;
  }

  @Override
  public int register(String subject, Schema schema) {
    String schemaJson = schema.toString();
    Integer cached = cachedId(subject, schemaJson);
    if (cached != null) {
      return cached;
    }
    JsonNode r = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schemaJson));
    int id = r.path("id").asInt(-1);
    if (id < 0) {
      throw protocolError("register " + subject, r);
    }
    remember(subject, schemaJson, id, schema);
    return id;
  }

  @Override
  public SchemaMetadata lookup(String subject, Schema schema) {
    String schemaJson = schema.toString();
    SchemaMetadata m = metadata(send("POST", "/subjects/" + enc(subject), schemaBody(schemaJson)), subject);
    remember(subject, schemaJson, m.id(), schema);
    return m;
  }

  @Override
  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode r = send("GET", "/schemas/ids/" + id, null);
    String type = r.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
          "Schema " + id + " is of type " + type + "; only AVRO is supported");
    }
    Schema s = SchemaRegistryState.parse(r.path("schema").asText());
    Schema prev = schemasById.putIfAbsent(id, s);
    return prev != null ? prev : s;
  }

  @Override
  public SchemaMetadata getLatest(String subject) {
    return metadata(send("GET", "/subjects/" + enc(subject) + "/versions/latest", null), subject);
  }

  @Override
  public SchemaMetadata getVersion(String subject, int version) {
    return metadata(send("GET", "/subjects/" + enc(subject) + "/versions/" + version, null), subject);
  }

  @Override
  public List<String> getSubjects() {
    List<String> out = new ArrayList<>();
    send("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
    return out;
  }

  @Override
  public List<Integer> getVersions(String subject) {
    List<Integer> out = new ArrayList<>();
    send("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
    return out;
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    JsonNode r = send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
        schemaBody(schema.toString()));
    if (!r.has("is_compatible")) {
      throw protocolError("compatibility check of " + subject, r);
    }
    return r.get("is_compatible").asBoolean();
  }

  @Override
  public CompatibilityLevel getCompatibility(String subject) {
    String path = subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true";
    JsonNode r = send("GET", path, null);
    String level = r.has("compatibilityLevel") ? r.get("compatibilityLevel").asText() : r.path("compatibility").asText();
    return CompatibilityLevel.parse(level);
  }

  @Override
  public void setCompatibility(String subject, CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
    send("PUT", subject == null ? "/config" : "/config/" + enc(subject), body.toString());
  }

  private Integer cachedId(String subject, String schemaJson) {
    Map<String, Integer> bySchema = idsBySubjectAndSchema.get(subject);
    return bySchema == null ? null : bySchema.get(schemaJson);
  }

  private void remember(String subject, String schemaJson, int id, Schema schema) {
    idsBySubjectAndSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schemaJson, id);
    schemasById.putIfAbsent(id, schema);
  }

  private static String schemaBody(String schemaJson) {
    return JSON.createObjectNode().put("schema", schemaJson).toString();
  }

  private static SchemaMetadata metadata(JsonNode r, String subject) {
    if (!r.has("id") || !r.has("version")) {
      throw protocolError("subject " + subject, r);
    }
    return new SchemaMetadata(r.path("subject").asText(subject), r.get("version").asInt(), r.get("id").asInt(),
        r.path("schema").asText(null));
  }

  private static SchemaRegistryException protocolError(String what, JsonNode r) {
    return new SchemaRegistryException(502, SchemaRegistryException.STORE_ERROR,
        "Unexpected schema registry answer for " + what + ": " + r);
  }

  /** URL-encodes one path segment (spaces as %20, not '+'). */
  static String enc(String segment) {
    Objects.requireNonNull(segment, "subject");
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode send(String method, String pathAndQuery, String body) {
    IOException lastIo = null;
    for (URI base : baseUrls) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
          .timeout(REQUEST_TIMEOUT)
          .header("Accept", CONTENT_TYPE + ", application/json")
          .method(method, body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      if (body != null) {
        b.header("Content-Type", CONTENT_TYPE);
      }
      authorization.ifPresent(a -> b.header("Authorization", a));
      HttpResponse<String> resp;
      try {
        resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        lastIo = e;
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(-1, SchemaRegistryException.UNREACHABLE,
            "Interrupted while calling the schema registry at " + base, e);
      }
      return parseResponse(method, base, pathAndQuery, resp);
    }
    throw new SchemaRegistryException(-1, SchemaRegistryException.UNREACHABLE,
        "Schema registry unreachable at " + baseUrls + ": " + lastIo, lastIo);
  }

  private static JsonNode parseResponse(String method, URI base, String path, HttpResponse<String> resp) {
    JsonNode node;
    try {
      node = resp.body() == null || resp.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(resp.body());
    } catch (IOException e) {
      node = null;
    }
    int status = resp.statusCode();
    if (status >= 200 && status < 300) {
      if (node == null) {
        throw new SchemaRegistryException(502, SchemaRegistryException.STORE_ERROR,
            "Schema registry at " + base + " answered " + method + " " + path + " with non-JSON: " + resp.body());
      }
      return node;
    }
    int code = node != null && node.has("error_code") ? node.get("error_code").asInt() : status;
    String message = node != null && node.has("message") ? node.get("message").asText() : resp.body();
    if (status == 401 || status == 403) {
      message = "authentication failed (check basic.auth.user.info): " + message;
    }
    throw new SchemaRegistryException(status, code, message + " [" + method + " " + base + path + "]");
  }

  private static URI withoutUserInfo(URI uri) {
    if (uri.getUserInfo() == null) {
      return uri;
    }
    return URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath()));
  }
}
