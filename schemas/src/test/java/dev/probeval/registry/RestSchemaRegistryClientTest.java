package dev.probeval.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.http.WebServer;
import dev.probeval.serde.AvroSerdeConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the protocol, checked against a stub HTTP server that records what it receives and answers
 * what Confluent's registry answers. (The full registry is tested in the embedded module.)
 */
class RestSchemaRegistryClientTest {
    record Seen(String method, String rawPath, String contentType, String authorization, String body) {}

    private WebServer stub;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answer = "{\"id\":21}";

    @BeforeEach
    void startStub() {
        stub = WebServer.builder("registry-stub")
                .routes(r -> {
                    for (HandlerType method :
                            List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE)) {
                        r.addHttpHandler(method, "/*", this::answer);
                    }
                })
                .start();
    }

    /** Records the request as it arrived (raw path, headers, body) and answers the scripted status and body. */
    private void answer(Context ctx) {
        seen.add(new Seen(
                ctx.method().name(), ctx.path(), ctx.header("Content-Type"), ctx.header("Authorization"), ctx.body()));
        ctx.status(status).result(answer);
    }

    @AfterEach
    void stopStub() {
        stub.close();
    }

    private String url() {
        return stub.url();
    }

    @Test
    void shouldPostTheSchemaAsConfluentJsonWithBasicAuthAndCacheTheId() {
        SchemaRegistryClient c = AvroSerdeConfig.from(Map.of(
                        "schema.registry.url", url(),
                        "basic.auth.credentials.source", "USER_INFO",
                        "basic.auth.user.info", "alice:s3cret"))
                .createClient();
        Schema s = Schema.create(Schema.Type.STRING);
        assertEquals(21, c.register("my topic-value", s));
        assertEquals(21, c.register("my topic-value", s));
        assertEquals(1, seen.size(), "second register must come from the cache");
        Seen r = seen.get(0);
        assertEquals("POST", r.method());
        assertEquals("/subjects/my%20topic-value/versions", r.rawPath());
        assertEquals("application/vnd.schemaregistry.v1+json", r.contentType());
        assertEquals("{\"schema\":\"\\\"string\\\"\"}", r.body());
        assertEquals("Basic YWxpY2U6czNjcmV0", r.authorization());
    }

    @Test
    void shouldTakeCredentialsFromTheUrlWhenSourceIsUrl() {
        SchemaRegistryClient c = AvroSerdeConfig.from(
                        Map.of("schema.registry.url", url().replace("http://", "http://bob:pw@")))
                .createClient();
        answer = "{\"schema\":\"\\\"long\\\"\"}";
        assertEquals(Schema.create(Schema.Type.LONG), c.getById(5));
        assertEquals(Schema.create(Schema.Type.LONG), c.getById(5));
        assertEquals(1, seen.size());
        assertEquals("/schemas/ids/5", seen.get(0).rawPath());
        assertEquals(RestSchemaRegistryClient.basicAuth("bob:pw"), seen.get(0).authorization());
    }

    @Test
    void shouldFailOverToTheNextUrlWhenOneIsUnreachable() throws IOException {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of("http://127.0.0.1:" + dead, url()), null);
        answer = "[\"a-value\",\"b-value\"]";
        assertEquals(List.of("a-value", "b-value"), c.getSubjects());
    }

    @Test
    void shouldSurfaceConfluentErrorCodes() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(url()), null);
        status = 404;
        answer = "{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}";
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> c.getLatest("x"));
        assertEquals(404, e.httpStatus());
        assertEquals(40401, e.errorCode());
        assertTrue(e.getMessage().contains("Subject 'x' not found."), e.getMessage());

        status = 401;
        answer = "{\"error_code\":401,\"message\":\"Unauthorized\"}";
        SchemaRegistryException auth = assertThrows(SchemaRegistryException.class, () -> c.getSubjects());
        assertTrue(auth.getMessage().contains("basic.auth.user.info"), auth.getMessage());

        status = 503;
        answer = "<html>down</html>";
        SchemaRegistryException down = assertThrows(SchemaRegistryException.class, () -> c.getSubjects());
        assertTrue(down.isTransient());
    }

    @Test
    void shouldCallTheCompatibilityAndConfigEndpoints() {
        RestSchemaRegistryClient c = new RestSchemaRegistryClient(List.of(url()), null);
        answer = "{\"is_compatible\":false}";
        assertEquals(false, c.testCompatibility("s", Schema.create(Schema.Type.INT)));
        assertEquals("/compatibility/subjects/s/versions/latest", seen.get(0).rawPath());
        answer = "{\"compatibilityLevel\":\"FULL\"}";
        assertEquals(CompatibilityLevel.FULL, c.getCompatibility(null));
        assertEquals("/config", seen.get(1).rawPath());
        answer = "{\"compatibility\":\"NONE\"}";
        c.setCompatibility("s", CompatibilityLevel.NONE);
        assertEquals("PUT", seen.get(2).method());
        assertEquals("{\"compatibility\":\"NONE\"}", seen.get(2).body());
    }
}
