package dev.probeval.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.registry.CompatibilityLevel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST API as Confluent's clients and curl recipes see it: raw HTTP, exact JSON shapes and error codes. */
class SchemaRegistryServerTest {
    static final String CT = "application/vnd.schemaregistry.v1+json";
    static final String V1 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"}]}";
    static final String V2 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}";
    static final String BREAKING = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"c\",\"type\":\"long\"}]}";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static EmbeddedKafka kafka;
    static SchemaRegistryServer registry;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.builder().build();
        registry = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .start();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldRegisterIdempotentlyReturningTheSameId() throws Exception {
        Reply first = post("/subjects/idem-value/versions", schemaBody(V1));
        assertEquals(200, first.status);
        assertEquals(CT, first.contentType);
        int id = first.json.get("id").asInt();
        assertTrue(id > 0);
        // Same schema, different whitespace: same id, no new version.
        Reply again = post(
                "/subjects/idem-value/versions",
                schemaBody(new Schema.Parser().parse(V1).toString(true)));
        assertEquals(id, again.json.get("id").asInt());
        assertEquals("[1]", get("/subjects/idem-value/versions").body);
        // The same schema in another subject keeps its id (ids are per schema content).
        assertEquals(
                id,
                post("/subjects/idem-other-value/versions", schemaBody(V1))
                        .json
                        .get("id")
                        .asInt());
    }

    @Test
    void shouldServeSchemasByIdSubjectsVersionsAndLatest() throws Exception {
        int id1 = post("/subjects/lat-value/versions", schemaBody(V1))
                .json
                .get("id")
                .asInt();
        int id2 = post("/subjects/lat-value/versions", schemaBody(V2))
                .json
                .get("id")
                .asInt();
        assertNotEquals(id1, id2);

        Reply byId = get("/schemas/ids/" + id2);
        assertEquals(200, byId.status);
        assertEquals(
                new Schema.Parser().parse(V2),
                new Schema.Parser().parse(byId.json.get("schema").asText()));
        assertEquals(
                new Schema.Parser().parse(V1), new Schema.Parser().parse(get("/schemas/ids/" + id1 + "/schema").body));
        assertEquals("[{\"subject\":\"lat-value\",\"version\":2}]", get("/schemas/ids/" + id2 + "/versions").body);

        JsonNode subjects = get("/subjects").json;
        assertTrue(subjects.isArray());
        assertTrue(subjects.toString().contains("\"lat-value\""), subjects.toString());
        assertEquals("[1,2]", get("/subjects/lat-value/versions").body);

        JsonNode latest = get("/subjects/lat-value/versions/latest").json;
        assertEquals("lat-value", latest.get("subject").asText());
        assertEquals(2, latest.get("version").asInt());
        assertEquals(id2, latest.get("id").asInt());
        assertEquals(id1, get("/subjects/lat-value/versions/1").json.get("id").asInt());

        JsonNode lookup = post("/subjects/lat-value", schemaBody(V1)).json;
        assertEquals(1, lookup.get("version").asInt());
        assertEquals(id1, lookup.get("id").asInt());
        assertEquals("[\"AVRO\"]", get("/schemas/types").body);
    }

    @Test
    void shouldCheckCompatibilityAgainstLatestWithBackwardAsDefault() throws Exception {
        post("/subjects/compat-value/versions", schemaBody(V1));
        assertEquals(
                "{\"is_compatible\":true}",
                post("/compatibility/subjects/compat-value/versions/latest", schemaBody(V2)).body);
        assertEquals(
                "{\"is_compatible\":false}",
                post("/compatibility/subjects/compat-value/versions/latest", schemaBody(BREAKING)).body);
        JsonNode verbose =
                post("/compatibility/subjects/compat-value/versions/latest?verbose=true", schemaBody(BREAKING)).json;
        assertFalse(verbose.get("is_compatible").asBoolean());
        assertTrue(
                verbose.get("messages").toString().contains("READER_FIELD_MISSING_DEFAULT_VALUE"), verbose.toString());
        assertEquals(
                "{\"is_compatible\":true}",
                post("/compatibility/subjects/compat-value/versions/1", schemaBody(V2)).body);

        Reply rejected = post("/subjects/compat-value/versions", schemaBody(BREAKING));
        assertEquals(409, rejected.status);
        assertEquals(409, rejected.json.get("error_code").asInt());
        assertEquals("[1]", get("/subjects/compat-value/versions").body);

        // NONE on the subject lets it through; the global level stays BACKWARD.
        assertEquals("{\"compatibility\":\"NONE\"}", put("/config/compat-value", "{\"compatibility\":\"NONE\"}").body);
        assertEquals(200, post("/subjects/compat-value/versions", schemaBody(BREAKING)).status);
        assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", get("/config").body);
        assertEquals("{\"compatibilityLevel\":\"NONE\"}", get("/config/compat-value").body);
        assertEquals("{\"compatibilityLevel\":\"NONE\"}", delete("/config/compat-value").body);
        assertEquals("{\"compatibilityLevel\":\"BACKWARD\"}", get("/config/compat-value?defaultToGlobal=true").body);
    }

    @Test
    void shouldAnswerErrorsInConfluentsShape() throws Exception {
        assertError(get("/subjects/nope-value/versions"), 404, 40401);
        assertError(get("/subjects/nope-value/versions/latest"), 404, 40401);
        assertError(get("/schemas/ids/987654"), 404, 40403);
        post("/subjects/err-value/versions", schemaBody(V1));
        assertError(get("/subjects/err-value/versions/7"), 404, 40402);
        assertError(get("/subjects/err-value/versions/zero"), 422, 42202);
        assertError(post("/subjects/err-value", schemaBody(V2)), 404, 40403);
        assertError(post("/subjects/err-value/versions", schemaBody(BREAKING)), 409, 409);
        assertError(post("/subjects/err-value/versions", schemaBody("{\"type\":\"recrd\"}")), 422, 42201);
        assertError(
                post("/subjects/err-value/versions", "{\"schema\":\"{}\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(post("/subjects/err-value/versions", "{\"nothing\":1}"), 422, 42201);
        assertError(post("/subjects/err-value/versions", "not json"), 400, 400);
        assertError(put("/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(get("/config/err-value"), 404, 40408);
        assertError(get("/no/such/endpoint"), 404, 404);
        assertError(delete("/subjects"), 405, 405);
        assertError(post("/compatibility/subjects/nope-value/versions/latest", schemaBody(V1)), 404, 40401);
    }

    @Test
    void shouldHandleSubjectNamesThatNeedEncoding() throws Exception {
        String subject = "weird subject+/x";
        String enc = "weird%20subject%2B%2Fx";
        int id = post("/subjects/" + enc + "/versions", schemaBody(V1))
                .json
                .get("id")
                .asInt();
        assertEquals(
                subject,
                get("/subjects/" + enc + "/versions/latest").json.get("subject").asText());
        assertEquals(id, get("/subjects/" + enc + "/versions/1").json.get("id").asInt());
    }

    @Test
    void shouldKeepIdsVersionsAndConfigAfterARestartOnTheSameTopic() throws Exception {
        String topic = "_schemas_restart_test";
        int idA;
        int idB;
        try (SchemaRegistryServer first = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .topic(topic)
                .start()) {
            idA = post(first, "/subjects/r-value/versions", schemaBody(V1))
                    .json
                    .get("id")
                    .asInt();
            idB = post(first, "/subjects/r-value/versions", schemaBody(V2))
                    .json
                    .get("id")
                    .asInt();
            put(first, "/config/r-value", "{\"compatibility\":\"FULL\"}");
            put(first, "/config", "{\"compatibility\":\"FORWARD\"}");
        }
        try (SchemaRegistryServer second = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .topic(topic)
                .defaultCompatibility(CompatibilityLevel.NONE)
                .start()) {
            assertEquals(
                    idA,
                    post(second, "/subjects/r-value/versions", schemaBody(V1))
                            .json
                            .get("id")
                            .asInt());
            assertEquals(
                    idB,
                    get(second, "/subjects/r-value/versions/latest")
                            .json
                            .get("id")
                            .asInt());
            assertEquals(
                    new Schema.Parser().parse(V1),
                    new Schema.Parser()
                            .parse(get(second, "/schemas/ids/" + idA)
                                    .json
                                    .get("schema")
                                    .asText()));
            assertEquals("[1,2]", get(second, "/subjects/r-value/versions").body);
            assertEquals("{\"compatibilityLevel\":\"FULL\"}", get(second, "/config/r-value").body);
            assertEquals("{\"compatibilityLevel\":\"FORWARD\"}", get(second, "/config").body);
            // New schemas continue after the highest restored id instead of reusing one.
            String v3 = V2.replace(
                    "\"default\":\"\"}", "\"default\":\"\"},{\"name\":\"z\",\"type\":\"int\",\"default\":0}");
            int idC = post(second, "/subjects/r-value/versions", schemaBody(v3))
                    .json
                    .get("id")
                    .asInt();
            assertTrue(idC > Math.max(idA, idB), idC + " after " + idA + ", " + idB);
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    record Reply(int status, String contentType, String body, JsonNode json) {}

    static void assertError(Reply r, int status, int code) {
        assertEquals(status, r.status, r.body);
        assertEquals(code, r.json.get("error_code").asInt(), r.body);
        assertFalse(r.json.get("message").asText().isBlank(), r.body);
    }

    static String schemaBody(String schema) throws Exception {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    static Reply get(String path) throws Exception {
        return get(registry, path);
    }

    static Reply post(String path, String body) throws Exception {
        return post(registry, path, body);
    }

    static Reply put(String path, String body) throws Exception {
        return put(registry, path, body);
    }

    static Reply delete(String path) throws Exception {
        return send(registry, "DELETE", path, null);
    }

    static Reply get(SchemaRegistryServer r, String path) throws Exception {
        return send(r, "GET", path, null);
    }

    static Reply post(SchemaRegistryServer r, String path, String body) throws Exception {
        return send(r, "POST", path, body);
    }

    static Reply put(SchemaRegistryServer r, String path, String body) throws Exception {
        return send(r, "PUT", path, body);
    }

    static Reply send(SchemaRegistryServer r, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url() + path))
                .header("Accept", CT)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", CT);
        }
        HttpResponse<String> resp = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(resp.body());
        } catch (Exception notJson) {
            // raw schema endpoints answer the schema itself
        }
        return new Reply(
                resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(""), resp.body(), json);
    }
}
