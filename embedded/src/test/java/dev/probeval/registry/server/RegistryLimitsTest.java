package dev.probeval.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What one client can make the registry hold, over real HTTP: schema size, subjects, versions per subject. */
class RegistryLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String CT = "application/vnd.schemaregistry.v1+json";

    private InMemorySchemaStore store;
    private SchemaRegistryServer registry;

    private void start(SchemaRegistryServer.Builder limits) {
        store = new InMemorySchemaStore();
        registry = SchemaRegistryServer.serve(
                new SchemaRegistryState(CompatibilityLevel.NONE), store, "127.0.0.1", 0, limits);
    }

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static String record(String name, int fields) {
        StringBuilder b = new StringBuilder("{\"type\":\"record\",\"name\":\"" + name + "\",\"fields\":[");
        for (int i = 0; i < fields; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"f").append(i).append("\",\"type\":\"int\"}");
        }
        return b.append("]}").toString();
    }

    private HttpResponse<String> register(String subject, String schema) throws Exception {
        String body = JSON.createObjectNode().put("schema", schema).toString();
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject + "/versions"))
                        .header("Content-Type", CT)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSchemaOverTheSizeLimitIs422BeforeItIsParsedOrStored() throws Exception {
        start(SchemaRegistryServer.builder().maxSchemaBytes(1024));
        String small = record("Small", 3);
        assertEquals(200, register("s-value", small).statusCode());
        String big = record("Big", 100);
        int bytes = big.length();
        HttpResponse<String> r = register("s-value", big);
        assertEquals(422, r.statusCode());
        assertEquals(CT, r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(
                "{\"error_code\":42201,\"message\":\"Invalid schema: the schema is " + bytes
                        + " bytes, more than this registry's limit of 1024 bytes\"}",
                r.body());
        assertEquals(1, store.schemas.size(), "nothing stored for the refused schema");
        // Multi-byte characters count as their UTF-8 bytes: 700 'é' are under 1024 chars but 1400 bytes.
        String accents = "{\"type\":\"enum\",\"name\":\"E\",\"doc\":\"" + "é".repeat(700) + "\",\"symbols\":[\"A\"]}";
        assertEquals(422, register("e-value", accents).statusCode());
    }

    @Test
    void aBodyFarOverTheSchemaLimitIs413WithoutBeingRead() throws Exception {
        start(SchemaRegistryServer.builder().maxSchemaBytes(1024));
        String huge = "x".repeat(8 * 1024 + (64 << 10) + 1);
        HttpResponse<String> r = register("s-value", huge);
        assertEquals(413, r.statusCode());
        assertTrue(r.body().startsWith("{\"error_code\":413,"), r.body());
    }

    @Test
    void newSubjectsBeyondTheLimitAre422AndExistingOnesStillTakeVersions() throws Exception {
        start(SchemaRegistryServer.builder().maxSubjects(2).maxVersionsPerSubject(2));
        assertEquals(200, register("a-value", record("A", 1)).statusCode());
        assertEquals(200, register("b-value", record("B", 1)).statusCode());
        HttpResponse<String> third = register("c-value", record("C", 1));
        assertEquals(422, third.statusCode());
        assertEquals(
                "{\"error_code\":42299,\"message\":\"This registry holds its limit of 2 subjects; subject "
                        + "'c-value' is not created\"}",
                third.body());
        assertEquals(200, register("a-value", record("A", 2)).statusCode(), "a second version of a known subject");
        assertEquals(
                200, register("a-value", record("A", 1)).statusCode(), "re-registering a held schema is no new one");
        HttpResponse<String> more = register("a-value", record("A", 3));
        assertEquals(422, more.statusCode());
        assertEquals(
                "{\"error_code\":42299,\"message\":\"Subject 'a-value' holds this registry's limit of 2 versions\"}",
                more.body());
        assertEquals(3, store.schemas.size());
    }

    @Test
    void aHugeSubjectIsClippedInTheErrorMessage() throws Exception {
        start(SchemaRegistryServer.builder());
        String subject = "s".repeat(3000);
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject + "/versions/latest"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertEquals(
                "{\"error_code\":40401,\"message\":\"Subject '" + dev.probeval.core.text.Texts.clip("s".repeat(3000))
                        + "' not found.\"}",
                r.body());
    }

    @Test
    void anIdBelowOneIsNotFoundWithoutACatchUp() throws Exception {
        start(SchemaRegistryServer.builder());
        store.writtenElsewhere.add(new SchemaMetadata("x-value", 1, 1, "\"int\""));
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/schemas/ids/-5"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertEquals("{\"error_code\":40403,\"message\":\"Schema with id -5 not found.\"}", r.body());
        assertEquals(1, store.writtenElsewhere.size(), "no catch-up was made for an id that cannot exist");
    }
}
