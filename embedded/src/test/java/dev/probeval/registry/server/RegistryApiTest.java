package dev.probeval.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every route of the registry's Confluent REST API over real HTTP on an ephemeral port, with the in-memory state and
 * a fake {@link SchemaStore} instead of Kafka: status, content type and exact body bytes.
 */
class RegistryApiTest {
    static final String CT = "application/vnd.schemaregistry.v1+json";
    static final String V1 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"}]}";
    static final String V2 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}";
    static final String BREAKING = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"long\"}]}";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    InMemorySchemaStore store;
    SchemaRegistryState state;
    SchemaRegistryServer registry;

    @BeforeEach
    void start() {
        store = new InMemorySchemaStore();
        state = new SchemaRegistryState(CompatibilityLevel.BACKWARD);
        registry = SchemaRegistryServer.serve(state, store, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    // ----------------------------------------------------------------------------------------------- subjects

    @Test
    void rootAnswersAnEmptyObject() throws Exception {
        assertReply(get("/"), 200, "{}");
    }

    @Test
    void subjectsListsEveryRegisteredSubject() throws Exception {
        assertReply(get("/subjects"), 200, "[]");
        state.register("b-value", V1);
        state.register("a-value", V1);
        assertReply(get("/subjects"), 200, "[\"a-value\",\"b-value\"]");
    }

    @Test
    void registerAnswersTheIdAndPersistsTheVersionOnce() throws Exception {
        assertReply(post("/subjects/s-value/versions", schemaBody(V1)), 200, "{\"id\":1}");
        assertEquals(List.of(new SchemaMetadata("s-value", 1, 1, canonical(V1))), store.schemas);
        // Same schema with other whitespace: same id, nothing new persisted.
        assertReply(
                post(
                        "/subjects/s-value/versions",
                        schemaBody(new Schema.Parser().parse(V1).toString(true))),
                200,
                "{\"id\":1}");
        assertEquals(1, store.schemas.size());
        assertReply(post("/subjects/s-value/versions", schemaBody(V2)), 200, "{\"id\":2}");
        assertEquals(2, store.schemas.get(1).version());
    }

    @Test
    void registerRejectsIncompatibleInvalidAndMalformedBodies() throws Exception {
        post("/subjects/s-value/versions", schemaBody(V1));
        assertError(post("/subjects/s-value/versions", schemaBody(BREAKING)), 409, 409);
        assertError(post("/subjects/s-value/versions", schemaBody("{\"type\":\"recrd\"}")), 422, 42201);
        assertError(post("/subjects/s-value/versions", "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(
                post("/subjects/s-value/versions", "{\"schema\":\"\\\"int\\\"\",\"references\":[{\"name\":\"x\"}]}"),
                422,
                42201);
        assertError(post("/subjects/s-value/versions", "{\"nothing\":1}"), 422, 42201);
        assertError(post("/subjects/s-value/versions", "not json"), 400, 400);
        assertError(post("/subjects/s-value/versions", "[1]"), 400, 400);
        assertError(post("/subjects/s-value/versions", ""), 400, 400);
        assertEquals(1, store.schemas.size(), "nothing rejected was persisted");
    }

    @Test
    void lookupAnswersTheVersionHoldingTheSchema() throws Exception {
        state.register("s-value", V1);
        state.register("s-value", V2);
        assertReply(
                post("/subjects/s-value", schemaBody(V1)),
                200,
                "{\"subject\":\"s-value\",\"version\":1,\"id\":1,\"schema\":" + JSON.writeValueAsString(canonical(V1))
                        + "}");
        assertError(post("/subjects/s-value", schemaBody(BREAKING)), 404, 40403);
        assertError(post("/subjects/nope-value", schemaBody(V1)), 404, 40401);
    }

    @Test
    void versionsListsTheSubjectsVersionNumbers() throws Exception {
        state.register("s-value", V1);
        state.register("s-value", V2);
        assertReply(get("/subjects/s-value/versions"), 200, "[1,2]");
        assertError(get("/subjects/nope-value/versions"), 404, 40401);
    }

    @Test
    void versionAnswersMetadataByNumberLatestAndMinusOne() throws Exception {
        state.register("s-value", V1);
        state.register("s-value", V2);
        String latest = "{\"subject\":\"s-value\",\"version\":2,\"id\":2,\"schema\":"
                + JSON.writeValueAsString(canonical(V2)) + "}";
        assertReply(get("/subjects/s-value/versions/latest"), 200, latest);
        assertReply(get("/subjects/s-value/versions/-1"), 200, latest);
        assertEquals(1, get("/subjects/s-value/versions/1").json().get("id").asInt());
        assertError(get("/subjects/s-value/versions/7"), 404, 40402);
        assertError(get("/subjects/s-value/versions/zero"), 422, 42202);
        assertError(get("/subjects/s-value/versions/0"), 422, 42202);
        assertError(get("/subjects/nope-value/versions/latest"), 404, 40401);
    }

    @Test
    void versionSchemaAnswersTheSchemaItself() throws Exception {
        state.register("s-value", V1);
        assertReply(get("/subjects/s-value/versions/latest/schema"), 200, canonical(V1));
        assertReply(get("/subjects/s-value/versions/1/schema"), 200, canonical(V1));
        assertError(get("/subjects/s-value/versions/2/schema"), 404, 40402);
    }

    @Test
    void subjectNamesArePercentDecodedWithPlusKeptLiteral() throws Exception {
        String enc = "weird%20subject%2B%2Fx";
        assertReply(post("/subjects/" + enc + "/versions", schemaBody(V1)), 200, "{\"id\":1}");
        assertEquals("weird subject+/x", store.schemas.get(0).subject());
        assertEquals(
                "weird subject+/x",
                get("/subjects/" + enc + "/versions/latest")
                        .json()
                        .get("subject")
                        .asText());
        assertReply(get("/subjects/a+b/versions"), 404, null);
        assertTrue(get("/subjects/a+b/versions").body().contains("'a+b'"), "'+' is not a space");
    }

    // ----------------------------------------------------------------------------------------------- schemas

    @Test
    void schemaTypesIsAvroOnly() throws Exception {
        assertReply(get("/schemas/types"), 200, "[\"AVRO\"]");
    }

    @Test
    void schemaByIdWrapsTheSchemaInAnObject() throws Exception {
        state.register("s-value", V1);
        assertReply(get("/schemas/ids/1"), 200, "{\"schema\":" + JSON.writeValueAsString(canonical(V1)) + "}");
        assertError(get("/schemas/ids/987654"), 404, 40403);
        assertError(get("/schemas/ids/abc"), 404, 40403);
    }

    @Test
    void schemaByIdSchemaAnswersTheSchemaItself() throws Exception {
        state.register("s-value", V1);
        assertReply(get("/schemas/ids/1/schema"), 200, canonical(V1));
        assertError(get("/schemas/ids/2/schema"), 404, 40403);
    }

    @Test
    void schemaByIdVersionsListsEverySubjectVersionUsingIt() throws Exception {
        state.register("a-value", V1);
        state.register("b-value", V1);
        assertReply(
                get("/schemas/ids/1/versions"),
                200,
                "[{\"subject\":\"a-value\",\"version\":1},{\"subject\":\"b-value\",\"version\":1}]");
        assertError(get("/schemas/ids/5/versions"), 404, 40403);
    }

    @Test
    void aSchemaAnotherInstanceRegisteredIsFoundAfterACatchUpInsteadOf404() throws Exception {
        store.writtenElsewhere.add(new SchemaMetadata("far-value", 1, 7, V1));
        assertReply(get("/schemas/ids/7"), 200, "{\"schema\":" + JSON.writeValueAsString(canonical(V1)) + "}");
        assertReply(get("/subjects/far-value/versions"), 200, "[1]");
        // A new registration continues after the id the other instance handed out.
        assertReply(post("/subjects/s-value/versions", schemaBody(V2)), 200, "{\"id\":8}");
    }

    // ----------------------------------------------------------------------------------------------- compatibility

    @Test
    void compatibilityChecksAgainstLatestOrOneVersionWithVerboseReasons() throws Exception {
        state.register("s-value", V1);
        String path = "/compatibility/subjects/s-value/versions/";
        assertReply(post(path + "latest", schemaBody(V2)), 200, "{\"is_compatible\":true}");
        assertReply(post(path + "latest", schemaBody(BREAKING)), 200, "{\"is_compatible\":false}");
        assertReply(post(path + "1", schemaBody(V2)), 200, "{\"is_compatible\":true}");
        for (String verbose : List.of("?verbose=true", "?verbose")) {
            Reply r = post(path + "latest" + verbose, schemaBody(BREAKING));
            assertEquals(200, r.status());
            assertFalse(r.json().get("is_compatible").asBoolean());
            assertTrue(r.json().get("messages").toString().contains("READER_FIELD_MISSING_DEFAULT_VALUE"), r.body());
        }
        assertReply(post(path + "latest?verbose=false", schemaBody(BREAKING)), 200, "{\"is_compatible\":false}");
        assertError(post(path + "9", schemaBody(V2)), 404, 40402);
        assertError(post("/compatibility/subjects/nope-value/versions/latest", schemaBody(V1)), 404, 40401);
    }

    // ----------------------------------------------------------------------------------------------- config

    @Test
    void globalConfigIsReadAndWrittenThroughTheStore() throws Exception {
        assertReply(get("/config"), 200, "{\"compatibilityLevel\":\"BACKWARD\"}");
        assertReply(put("/config", "{\"compatibility\":\"FULL\"}"), 200, "{\"compatibility\":\"FULL\"}");
        assertEquals(List.of(new InMemorySchemaStore.ConfigWrite(null, CompatibilityLevel.FULL)), store.configs);
        assertReply(get("/config"), 200, "{\"compatibilityLevel\":\"FULL\"}");
        assertError(put("/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    }

    @Test
    void subjectConfigIsSetReadAndDeleted() throws Exception {
        assertError(get("/config/s-value"), 404, 40408);
        assertReply(get("/config/s-value?defaultToGlobal=true"), 200, "{\"compatibilityLevel\":\"BACKWARD\"}");
        assertReply(put("/config/s-value", "{\"compatibility\":\"NONE\"}"), 200, "{\"compatibility\":\"NONE\"}");
        assertReply(get("/config/s-value"), 200, "{\"compatibilityLevel\":\"NONE\"}");
        assertReply(delete("/config/s-value"), 200, "{\"compatibilityLevel\":\"NONE\"}");
        assertEquals(
                List.of(
                        new InMemorySchemaStore.ConfigWrite("s-value", CompatibilityLevel.NONE),
                        new InMemorySchemaStore.ConfigWrite("s-value", null)),
                store.configs);
        assertError(delete("/config/s-value"), 404, 40408);
    }

    // ----------------------------------------------------------------------------------------------- errors

    @Test
    void unknownPathsAre404AndWrongMethods405InConfluentsShape() throws Exception {
        assertReply(
                get("/no/such/endpoint"),
                404,
                "{\"error_code\":404,\"message\":\"no endpoint GET /no/such/endpoint\"}");
        assertReply(
                delete("/subjects"), 405, "{\"error_code\":405,\"message\":\"HTTP DELETE not allowed on /subjects\"}");
        assertError(get("/subjects/s-value"), 405, 405);
        assertError(get("/compatibility/subjects/s-value/versions/latest"), 405, 405);
    }

    @Test
    void aFailingStoreIs500WithConfluentsStoreErrorCode() throws Exception {
        store.writeFailure = new IllegalStateException("Cannot write to schema topic x: broker down");
        assertReply(
                post("/subjects/s-value/versions", schemaBody(V1)),
                500,
                "{\"error_code\":50001,\"message\":"
                        + "\"Error in the backend data store: Cannot write to schema topic x: broker down\"}");
        assertError(put("/config", "{\"compatibility\":\"NONE\"}"), 500, 50001);
        assertEquals(List.of(), state.subjects(), "nothing is applied that was not persisted");
        assertEquals(CompatibilityLevel.BACKWARD, state.globalCompatibility());
    }

    @Test
    void closeAlsoClosesTheStore() {
        registry.close();
        assertTrue(store.closed);
    }

    // ----------------------------------------------------------------------------------------------- helpers

    record Reply(int status, String contentType, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static String canonical(String schema) {
        return new Schema.Parser().parse(schema).toString();
    }

    static String schemaBody(String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    /** Status, the registry's content type, and (unless null) the exact body. */
    static void assertReply(Reply r, int status, String body) {
        assertEquals(status, r.status(), r.body());
        assertEquals(CT, r.contentType(), r.body());
        if (body != null) {
            assertEquals(body, r.body());
        }
    }

    static void assertError(Reply r, int status, int code) throws Exception {
        assertReply(r, status, null);
        JsonNode json = r.json();
        assertEquals(List.of("error_code", "message"), List.copyOf(iterable(json.fieldNames())), r.body());
        assertEquals(code, json.get("error_code").asInt(), r.body());
        assertFalse(json.get("message").asText().isBlank(), r.body());
    }

    static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    Reply get(String path) throws Exception {
        return send("GET", path, null);
    }

    Reply post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    Reply put(String path, String body) throws Exception {
        return send("PUT", path, body);
    }

    Reply delete(String path) throws Exception {
        return send("DELETE", path, null);
    }

    Reply send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Accept", CT)
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", CT);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }
}
