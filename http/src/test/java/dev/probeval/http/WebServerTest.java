package dev.probeval.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.probeval.core.text.Texts;
import io.javalin.http.staticfiles.Location;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The conventions every probeval server gets from {@link WebServer}, over real HTTP on ephemeral ports. */
class WebServerTest {
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, String contentType, String body) {}

    static Reply send(WebServer s, String method, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(s.url() + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    static Reply get(WebServer s, String path) throws Exception {
        return send(s, "GET", path, null);
    }

    @Test
    void portZeroBindsAFreePortAndReportsIt() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .port(0)
                .routes(r -> r.get("/x", ctx -> ctx.result("x")))
                .start()) {
            assertTrue(s.port() > 0, "bound port " + s.port());
            assertEquals("http://127.0.0.1:" + s.port(), s.url());
            assertEquals("x", get(s, "/x").body());
        }
    }

    @Test
    void aWildcardBindIsReportedAsLoopbackInTheUrl() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .host("0.0.0.0")
                .routes(r -> r.get("/x", ctx -> ctx.result("x")))
                .start()) {
            assertEquals("http://127.0.0.1:" + s.port(), s.url());
            assertEquals(200, get(s, "/x").status());
        }
    }

    @Test
    void jsonGoesThroughTheGivenJacksonMapper() throws Exception {
        ObjectMapper sorted = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", 1);
        value.put("a", 2);
        try (WebServer s = WebServer.builder("t")
                .jsonMapper(sorted)
                .routes(r -> r.get("/j", ctx -> ctx.json(value)))
                .start()) {
            Reply r = get(s, "/j");
            assertEquals(200, r.status());
            assertEquals("application/json", r.contentType());
            assertEquals("{\"a\":2,\"b\":1}", r.body(), "keys sorted: the custom mapper was used");
        }
    }

    @Test
    void handlerErrorsAreWrittenInTheMessageShapeByDefault() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .routes(r -> r.get("/e", ctx -> {
                    throw new HttpError(409, "taken");
                }))
                .start()) {
            Reply r = get(s, "/e");
            assertEquals(409, r.status());
            assertEquals("application/json", r.contentType());
            assertEquals("{\"error\":\"taken\"}", r.body());
        }
    }

    @Test
    void confluentShapeWritesErrorCodeThenMessageWithItsContentType() throws Exception {
        String ct = "application/vnd.schemaregistry.v1+json";
        try (WebServer s = WebServer.builder("t")
                .errorShape(ErrorShape.confluent(ct))
                .routes(r -> r.get("/e", ctx -> {
                    throw new HttpError(404, 40401, "Subject 'x' not found.");
                }))
                .start()) {
            Reply r = get(s, "/e");
            assertEquals(404, r.status());
            assertEquals(ct, r.contentType());
            assertEquals("{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}", r.body());
            Reply unknown = get(s, "/nope");
            assertEquals(404, unknown.status());
            assertEquals(ct, unknown.contentType());
            assertEquals("{\"error_code\":404,\"message\":\"no endpoint GET /nope\"}", unknown.body());
        }
    }

    @Test
    void unknownPathsAre404AndWrongMethodsAre405InTheServersShape() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .routes(r -> r.get("/only-get", ctx -> ctx.result("ok")))
                .start()) {
            assertEquals(new Reply(404, "application/json", "{\"error\":\"no endpoint GET /nope\"}"), get(s, "/nope"));
            assertEquals(
                    new Reply(405, "application/json", "{\"error\":\"HTTP DELETE not allowed on /only-get\"}"),
                    send(s, "DELETE", "/only-get", null));
        }
    }

    @Test
    void aHugeUnknownPathIsClippedInTheErrorMessage() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .routes(r -> r.get("/x", ctx -> ctx.result("x")))
                .start()) {
            String path = "/" + "p".repeat(5000);
            Reply r = get(s, path);
            assertEquals(404, r.status());
            String expected = "no endpoint GET " + Texts.clip(path);
            assertTrue(expected.endsWith("…[5001 chars]") && expected.length() < 250, expected);
            assertEquals("{\"error\":\"" + expected + "\"}", r.body());
        }
    }

    @Test
    void mappedExceptionsBecomeTheirErrorAndTheMostSpecificMappingWins() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .mapException(IllegalStateException.class, e -> new HttpError(503, "busy: " + e.getMessage()))
                .mapException(RuntimeException.class, e -> new HttpError(502, "runtime"))
                .routes(r -> {
                    r.get("/busy", ctx -> {
                        throw new IllegalStateException("rebalancing");
                    });
                    r.get("/other", ctx -> {
                        throw new UnsupportedOperationException("x");
                    });
                })
                .start()) {
            assertEquals(new Reply(503, "application/json", "{\"error\":\"busy: rebalancing\"}"), get(s, "/busy"));
            assertEquals(502, get(s, "/other").status());
        }
    }

    @Test
    void unmappedExceptionsAre500WithTheExceptionText() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .routes(r -> r.get("/boom", ctx -> {
                    throw new IllegalArgumentException("bad thing");
                }))
                .start()) {
            assertEquals(
                    new Reply(500, "application/json", "{\"error\":\"java.lang.IllegalArgumentException: bad thing\"}"),
                    get(s, "/boom"));
        }
    }

    @Test
    void bodiesOverTheLimitAre413InTheServersShape() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .maxRequestBytes(10)
                .routes(r -> r.post("/in", ctx -> ctx.result(ctx.body())))
                .start()) {
            assertEquals("0123456789", send(s, "POST", "/in", "0123456789").body());
            Reply big = send(s, "POST", "/in", "01234567890123456789");
            assertEquals(413, big.status());
            assertEquals("application/json", big.contentType());
            assertTrue(big.body().startsWith("{\"error\":"), big.body());
        }
    }

    @Test
    void handlersRunOnTheServersOwnNamedPool() throws Exception {
        try (WebServer s = WebServer.builder("probe")
                .maxThreads(4)
                .routes(r ->
                        r.get("/t", ctx -> ctx.result(Thread.currentThread().getName())))
                .start()) {
            String thread = get(s, "/t").body();
            assertTrue(thread.startsWith("probeval-probe-http"), thread);
        }
    }

    @Test
    void closeLetsARequestInFlightFinishAndIsIdempotent() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        WebServer s = WebServer.builder("t")
                .routes(r -> r.get("/slow", ctx -> {
                    entered.countDown();
                    Thread.sleep(500);
                    ctx.result("finished");
                }))
                .start();
        CompletableFuture<HttpResponse<String>> slow = HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(s.url() + "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(20, TimeUnit.SECONDS), "request reached the handler");
        s.close();
        s.close();
        HttpResponse<String> r = slow.get(20, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("finished", r.body());
        int port = s.port();
        assertThrows(
                Exception.class,
                () -> HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()),
                "a stopped server accepts no connection");
    }

    @Test
    void staticFilesAndServerSentEventsCanBeServed() throws Exception {
        try (WebServer s = WebServer.builder("t")
                .configure(cfg -> cfg.staticFiles.add(sf -> {
                    sf.hostedPath = "/static";
                    sf.directory = "/dev/probeval/http/static";
                    sf.location = Location.CLASSPATH;
                }))
                .routes(r -> r.sse("/events", client -> {
                    client.sendEvent("tick", "1");
                    client.close();
                }))
                .start()) {
            Reply page = get(s, "/static/page.html");
            assertEquals(200, page.status());
            assertTrue(page.contentType().startsWith("text/html"), page.contentType());
            assertTrue(page.body().contains("static ok"), page.body());
            HttpResponse<String> events = HTTP.send(
                    HttpRequest.newBuilder(URI.create(s.url() + "/events"))
                            .header("Accept", "text/event-stream")
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, events.statusCode());
            String type = events.headers().firstValue("Content-Type").orElse("");
            assertTrue(type.startsWith("text/event-stream"), type);
            assertTrue(events.body().contains("event: tick\ndata: 1\n"), events.body());
        }
    }

    @Test
    void aPortInUseFailsNamingHostAndPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> WebServer.builder("t").port(port).start());
            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        }
    }

    @Test
    void badSettingsAreRejectedNamingTheSetting() {
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> WebServer.builder("t").port(70000))
                .getMessage()
                .contains("port"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> WebServer.builder("t").maxThreads(2))
                .getMessage()
                .contains("maxThreads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WebServer.builder(" "))
                .getMessage()
                .contains("name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HttpError(200, "ok"))
                .getMessage()
                .contains("400..599"));
    }
}
