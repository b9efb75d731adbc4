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
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * HTTP client for Confluent's schema registry REST API (Confluent Schema Registry, Apicurio's ccompat API, Karapace,
 * Redpanda, probeval's embedded registry). Uses the JDK's {@link HttpClient}. Several base URLs are tried in order
 * when one is unreachable. Thread-safe.
 *
 * <p>Caches, each holding at most {@code cacheCapacity} entries (default {@value #DEFAULT_CACHE_CAPACITY}, the least
 * recently used go first), so records carrying any number of schema ids cannot grow memory without bound: id→schema
 * and (subject, schema)→id, kept as long as they fit since ids are immutable, and the ids the registry answered "not
 * found" (40403), for {@link #DEFAULT_NOT_FOUND_TTL} only: a stream of records with one unknown id costs one lookup
 * per that interval instead of one per record, and a schema registered later under that id is found once it passes.
 * Answers are read up to {@value #MAX_RESPONSE_BYTES} bytes; a longer one is an error, not an allocation.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    /** Content type of Confluent's API, sent on every request. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    /** Default of the most entries in each of the client's caches. */
    public static final int DEFAULT_CACHE_CAPACITY = 1000;
    /** How long an id the registry did not know is answered "not found" from memory. */
    public static final Duration DEFAULT_NOT_FOUND_TTL = Duration.ofSeconds(5);
    /** Largest registry answer read: 16 MiB, above the largest schema a registry accepts by default. */
    public static final int MAX_RESPONSE_BYTES = 16 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final List<URI> baseUrls;
    private final Optional<String> authorization;
    private final HttpClient http;
    private final LruCache<Integer, Schema> schemasById;
    private final LruCache<List<String>, Integer> idsBySubjectAndSchema;
    private final LruCache<Integer, Long> notFoundUntil;
    private final Duration notFoundTtl;

    /**
     * @param baseUrls registry base URLs, for example {@code http://127.0.0.1:8081}; user info in a URL is ignored here
     *     (see {@link #basicAuth})
     * @param userInfo {@code user:password} for HTTP basic authentication, or null for none
     */
    public RestSchemaRegistryClient(List<String> baseUrls, String userInfo) {
        this(baseUrls, userInfo, DEFAULT_CACHE_CAPACITY, DEFAULT_NOT_FOUND_TTL);
    }

    /**
     * As {@link #RestSchemaRegistryClient(List, String)} with each cache holding at most {@code cacheCapacity} entries
     * (at least 1) and unknown ids remembered for {@code notFoundTtl} (zero: never).
     */
    public RestSchemaRegistryClient(List<String> baseUrls, String userInfo, int cacheCapacity, Duration notFoundTtl) {
        if (notFoundTtl == null || notFoundTtl.isNegative()) {
            throw new IllegalArgumentException("not-found TTL must be >= 0, got " + notFoundTtl);
        }
        this.schemasById = new LruCache<>(cacheCapacity);
        this.idsBySubjectAndSchema = new LruCache<>(cacheCapacity);
        this.notFoundUntil = new LruCache<>(cacheCapacity);
        this.notFoundTtl = notFoundTtl;
        if (baseUrls == null || baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is required");
        }
        List<URI> uris = new ArrayList<>();
        for (String u : baseUrls) {
            URI uri = URI.create(u.trim().replaceAll("/+$", ""));
            if (uri.getScheme() == null
                    || uri.getHost() == null
                    || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("schema registry URL must be http(s)://host[:port]: '" + u + "'");
            }
            uris.add(withoutUserInfo(uri));
        }
        this.baseUrls = List.copyOf(uris);
        this.authorization =
                Optional.ofNullable(userInfo).filter(s -> !s.isEmpty()).map(RestSchemaRegistryClient::basicAuth);
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
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
        Long until = notFoundUntil.get(id);
        if (until != null) {
            if (System.nanoTime() - until < 0) {
                throw new SchemaRegistryException(
                        404,
                        SchemaRegistryException.SCHEMA_NOT_FOUND,
                        "Schema " + id + " not found (the registry said so less than " + notFoundTtl.toMillis()
                                + " ms ago).");
            }
            notFoundUntil.remove(id);
        }
        JsonNode r;
        try {
            r = send("GET", "/schemas/ids/" + id, null);
        } catch (SchemaRegistryException e) {
            boolean notFound = e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND || e.httpStatus() == 404;
            if (notFound && !notFoundTtl.isZero()) {
                notFoundUntil.put(id, System.nanoTime() + notFoundTtl.toNanos());
            }
            throw e;
        }
        String type = r.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Schema " + id + " is of type " + type + "; only AVRO is supported");
        }
        Schema s = SchemaRegistryState.parse(r.path("schema").asText());
        return schemasById.putIfAbsent(id, s);
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
        JsonNode r = send(
                "POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema.toString()));
        if (!r.has("is_compatible")) {
            throw protocolError("compatibility check of " + subject, r);
        }
        return r.get("is_compatible").asBoolean();
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        String path = subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true";
        JsonNode r = send("GET", path, null);
        String level = r.has("compatibilityLevel")
                ? r.get("compatibilityLevel").asText()
                : r.path("compatibility").asText();
        return CompatibilityLevel.parse(level);
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level.name());
        send("PUT", subject == null ? "/config" : "/config/" + enc(subject), body.toString());
    }

    private Integer cachedId(String subject, String schemaJson) {
        return idsBySubjectAndSchema.get(List.of(subject, schemaJson));
    }

    private void remember(String subject, String schemaJson, int id, Schema schema) {
        idsBySubjectAndSchema.put(List.of(subject, schemaJson), id);
        schemasById.putIfAbsent(id, schema);
    }

    /** Entries in the id→schema, (subject, schema)→id and not-found caches (for tests). */
    int[] cacheSizes() {
        return new int[] {schemasById.size(), idsBySubjectAndSchema.size(), notFoundUntil.size()};
    }

    private static String schemaBody(String schemaJson) {
        return JSON.createObjectNode().put("schema", schemaJson).toString();
    }

    private static SchemaMetadata metadata(JsonNode r, String subject) {
        if (!r.has("id") || !r.has("version")) {
            throw protocolError("subject " + subject, r);
        }
        return new SchemaMetadata(
                r.path("subject").asText(subject),
                r.get("version").asInt(),
                r.get("id").asInt(),
                r.path("schema").asText(null));
    }

    private static SchemaRegistryException protocolError(String what, JsonNode r) {
        return new SchemaRegistryException(
                502,
                SchemaRegistryException.STORE_ERROR,
                "Unexpected schema registry answer for " + SchemaRegistryException.clip(what) + ": "
                        + SchemaRegistryException.clip(String.valueOf(r)));
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
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                b.header("Content-Type", CONTENT_TYPE);
            }
            authorization.ifPresent(a -> b.header("Authorization", a));
            HttpResponse<java.io.InputStream> resp;
            String text;
            try {
                resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                text = boundedBody(resp);
            } catch (IOException e) {
                lastIo = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(
                        -1,
                        SchemaRegistryException.UNREACHABLE,
                        "Interrupted while calling the schema registry at " + base,
                        e);
            }
            if (text == null) {
                throw new SchemaRegistryException(
                        502,
                        SchemaRegistryException.STORE_ERROR,
                        "Schema registry at " + base
                                + " answered " + method + " " + SchemaRegistryException.clip(pathAndQuery)
                                + " with more than "
                                + MAX_RESPONSE_BYTES + " bytes");
            }
            return parseResponse(method, base, pathAndQuery, resp.statusCode(), text);
        }
        throw new SchemaRegistryException(
                -1,
                SchemaRegistryException.UNREACHABLE,
                "Schema registry unreachable at " + baseUrls + ": " + lastIo,
                lastIo);
    }

    private static JsonNode parseResponse(String method, URI base, String path, int status, String body) {
        JsonNode node;
        try {
            node = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            node = null;
        }
        if (status >= 200 && status < 300) {
            if (node == null) {
                throw new SchemaRegistryException(
                        502,
                        SchemaRegistryException.STORE_ERROR,
                        "Schema registry at " + base + " answered " + method + " " + path + " with non-JSON: "
                                + SchemaRegistryException.clip(body));
            }
            return node;
        }
        int code =
                node != null && node.has("error_code") ? node.get("error_code").asInt() : status;
        String message = SchemaRegistryException.clip(
                node != null && node.has("message") ? node.get("message").asText() : body);
        if (status == 401 || status == 403) {
            message = "authentication failed (check basic.auth.user.info): " + message;
        }
        throw new SchemaRegistryException(status, code, message + " [" + method + " " + base + path + "]");
    }

    /** The body as UTF-8 text, read up to {@link #MAX_RESPONSE_BYTES}; null when longer (the rest is never read). */
    private static String boundedBody(HttpResponse<java.io.InputStream> resp) throws IOException {
        try (java.io.InputStream in = resp.body()) {
            byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            return bytes.length > MAX_RESPONSE_BYTES ? null : new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static URI withoutUserInfo(URI uri) {
        if (uri.getUserInfo() == null) {
            return uri;
        }
        return URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }
}
