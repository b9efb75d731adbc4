package dev.probeval.aggregator.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every route of the aggregator's HTTP API over real HTTP on an ephemeral port, with a fake
 * {@link InteractiveQueries} in place of Kafka Streams: status, content type and body. Fan-out and forwarding run
 * between two real servers.
 */
class AggregatorHttpServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String JSON_TYPE = "application/json";

    PrometheusMeterRegistry prometheus;
    AggregatorHttpServer server;
    FakeQueries queries;
    HostInfo self;
    final List<AggregatorHttpServer> others = new ArrayList<>();

    @BeforeEach
    void start() {
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = new AggregatorHttpServer("127.0.0.1", 0, prometheus);
        self = new HostInfo("127.0.0.1", server.port());
        queries = new FakeQueries(self);
        server.attach(queries, self);
    }

    @AfterEach
    void stop() {
        server.close();
        others.forEach(AggregatorHttpServer::close);
        prometheus.close();
    }

    // ----------------------------------------------------------------------------------------------- routes

    @Test
    void dashboardIsServedAsHtmlAtTheRoot() throws Exception {
        Reply r = get(server, "/");
        assertEquals(200, r.status);
        assertEquals("text/html;charset=utf-8", r.contentType.toLowerCase().replace(" ", ""));
        assertTrue(r.body.contains("<title>probeval aggregator</title>"), r.body);
        assertTrue(r.body.contains("/dashboard/dashboard.js"), "the page loads its script");
    }

    @Test
    void dashboardAssetsAndTheVendoredPlotLibraryAreServedFromTheClasspath() throws Exception {
        Reply js = get(server, "/dashboard/dashboard.js");
        assertEquals(200, js.status);
        assertTrue(js.contentType.contains("javascript"), js.contentType);
        assertTrue(js.body.contains("/events") && js.body.contains("/models"), "the script reads the API");
        Reply css = get(server, "/dashboard/dashboard.css");
        assertEquals(200, css.status);
        // The page names the uPlot files by version: they must be the ones the webjar on the classpath holds.
        String page = get(server, "/").body;
        for (String asset : List.of("uPlot.iife.min.js", "uPlot.min.css")) {
            int at = page.indexOf("/webjars/uplot/");
            assertTrue(at >= 0, "the page loads uPlot from the webjar");
            String path = page.substring(at, page.indexOf('"', at));
            path = path.substring(0, path.lastIndexOf('/') + 1) + asset;
            Reply lib = get(server, path);
            assertEquals(200, lib.status, path);
            assertTrue(lib.body.length() > 1000, path + " has content");
        }
    }

    @Test
    void promptsOfAVersionAreListedSortedBySuiteSplitAndPromptThen404ForAnUnknownVersion() throws Exception {
        queries.prompts.add(prompt("r2", "m1", "p2"));
        queries.prompts.add(prompt("r1", "m1", "p1"));
        queries.prompts.add(prompt("r3", "m2", "p1"));
        FakeQueries otherQueries = otherInstance();
        otherQueries.prompts.add(prompt("r0", "m1", "p0"));
        Reply r = get(server, "/api/v1/models/m1/prompts");
        assertEquals(200, r.status, r.body);
        assertEquals(JSON_TYPE, r.contentType);
        JsonNode ps = r.json().get("prompts");
        assertEquals(3, ps.size(), r.body);
        assertEquals("p0", ps.get(0).get("promptId").asText(), "the other instance's prompt, merged in order");
        assertEquals("p1", ps.get(1).get("promptId").asText());
        assertEquals("p2", ps.get(2).get("promptId").asText());
        assertEquals(0.5, ps.get(1).get("mMu").asDouble());
        Reply none = get(server, "/api/v1/models/m9/prompts");
        assertEquals(404, none.status);
        assertEquals("{\"error\":\"no bounds for model version m9\"}", none.body);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eventsSayHelloWithTheVersionsThenAnnounceAVersionWhoseRollUpsChange() throws Exception {
        try (AggregatorHttpServer fast = new AggregatorHttpServer("127.0.0.1", 0, prometheus, 20)) {
            HostInfo fastSelf = new HostInfo("127.0.0.1", fast.port());
            FakeQueries q = new FakeQueries(fastSelf);
            fast.attach(q, fastSelf);
            q.models.add(model("m1", "tofu", "forget", 3));
            HttpResponse<java.util.stream.Stream<String>> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fast.port() + "/api/v1/events"))
                            .header("Accept", "text/event-stream")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            java.util.Iterator<String> lines = r.body().iterator();
            String hello = dataAfter(lines, "event: hello");
            assertTrue(hello.contains("\"versions\":[\"m1\"]"), hello);

            q.models.add(model("m2", "tofu", "retain", 1));
            // The first poll after connecting announces every version it sees (m1, and m2 if already there).
            JsonNode changed = JSON.readTree(dataAfter(lines, "event: bounds"));
            while (!changed.get("changed").toString().contains("\"m2\"")) {
                changed = JSON.readTree(dataAfter(lines, "event: bounds"));
            }
            assertEquals("[\"m1\",\"m2\"]", changed.get("versions").toString(), changed.toString());

            ModelVersionBounds updated = model("m1", "tofu", "forget", 4);
            updated.setUpdatedAt(Instant.ofEpochMilli(2000));
            q.models.set(0, updated);
            JsonNode again = JSON.readTree(dataAfter(lines, "event: bounds"));
            assertEquals(
                    "[\"m1\"]", again.get("changed").toString(), "only the version whose roll-up changed: " + again);
            r.body().close();
        }
    }

    /** The data line of the next event of the given kind. */
    private static String dataAfter(java.util.Iterator<String> lines, String eventLine) {
        while (lines.hasNext()) {
            if (lines.next().equals(eventLine)) {
                String data = lines.next();
                assertTrue(data.startsWith("data: "), data);
                return data.substring(6);
            }
        }
        throw new AssertionError("stream ended before " + eventLine);
    }

    @Test
    void metricsAreServedInPrometheusTextFormat() throws Exception {
        prometheus.counter("probeval.test.hits").increment(2);
        Reply r = get(server, "/metrics");
        assertEquals(200, r.status);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.contentType);
        assertTrue(r.body.contains("probeval_test_hits_total 2.0"), r.body);
    }

    @Test
    void healthIs503UntilStreamsRunsThen200() throws Exception {
        Reply starting = get(server, "/health");
        assertEquals(503, starting.status);
        assertEquals(JSON_TYPE, starting.contentType);
        assertEquals(
                "{\"state\":\"STARTING\",\"live\":true,\"ready\":false,\"details\":{\"streamsState\":"
                        + "\"STARTING\"}}",
                starting.body);
        assertEquals(200, get(server, "/health/live").status, "starting is alive");
        server.state("RUNNING");
        Reply running = get(server, "/health");
        assertEquals(200, running.status);
        assertEquals("RUNNING", JSON.readTree(running.body).get("state").asText());
        assertEquals(200, get(server, "/health/ready").status);
    }

    @Test
    void healthRoutesAnswerFromTheAttachedHealthNamingTheState() throws Exception {
        java.util.concurrent.atomic.AtomicReference<dev.probeval.http.Health> h =
                new java.util.concurrent.atomic.AtomicReference<>(
                        dev.probeval.http.Health.notReady("BROKER_UNREACHABLE", java.util.Map.of()));
        server.state("RUNNING");
        server.health(h::get);
        Reply ready = get(server, "/health/ready");
        assertEquals(503, ready.status, "RUNNING streams but no broker: not ready");
        assertEquals(
                "BROKER_UNREACHABLE", JSON.readTree(ready.body).get("state").asText());
        assertEquals(200, get(server, "/health/live").status);
        h.set(dev.probeval.http.Health.dead("ERROR", java.util.Map.of()));
        assertEquals(503, get(server, "/health/live").status);
        assertEquals(
                "ERROR",
                JSON.readTree(get(server, "/health/live").body).get("state").asText());
    }

    @Test
    void modelsGroupsRollUpsByVersionSortedBySuiteAndSplit() throws Exception {
        queries.models.add(model("m2", "tofu", "retain", 4));
        queries.models.add(model("m1", "tofu", "retain", 2));
        queries.models.add(model("m1", "tofu", "forget", 3));
        Reply r = get(server, "/api/v1/models");
        assertEquals(200, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        JsonNode models = r.json().get("models");
        assertEquals(2, models.size());
        assertEquals("m1", models.get(0).get("modelVersion").asText());
        assertEquals("forget", models.get(0).get("groups").get(0).get("split").asText());
        assertEquals("retain", models.get(0).get("groups").get(1).get("split").asText());
        assertEquals("m2", models.get(1).get("modelVersion").asText());
        assertEquals(4, models.get(1).get("groups").get(0).get("promptsSeen").asInt());
    }

    @Test
    void modelsWithScopeLocalAnswersThisInstanceOnlyEvenWithFurtherQueryParameters() throws Exception {
        queries.models.add(model("m1", "tofu", "forget", 3));
        // A second instance that must not be asked: it is unreachable, so asking it would fail the request.
        queries.instances.add(new HostInfo("127.0.0.1", deadPort()));
        for (String query : List.of("?scope=local", "?scope=local&x=1", "?x=1&scope=local")) {
            Reply r = get(server, "/api/v1/models" + query);
            assertEquals(200, r.status, query + ": " + r.body);
            assertEquals(JSON_TYPE, r.contentType);
            assertEquals(1, r.json().get("groups").size(), query);
            assertEquals("m1", r.json().get("groups").get(0).get("modelVersion").asText());
        }
        Reply all = get(server, "/api/v1/models?x=1");
        assertEquals(503, all.status, "without scope=local the unreachable instance is asked");
        assertTrue(all.json().get("error").asText().contains("did not answer"), all.body);
    }

    @Test
    void modelsMergesTheGroupsOfEveryInstance() throws Exception {
        FakeQueries otherQueries = otherInstance();
        otherQueries.models.add(model("m1", "tofu", "retain", 5));
        queries.models.add(model("m1", "tofu", "forget", 3));
        JsonNode groups =
                get(server, "/api/v1/models").json().get("models").get(0).get("groups");
        assertEquals(2, groups.size());
        assertEquals(3, groups.get(0).get("promptsSeen").asInt());
        assertEquals(5, groups.get(1).get("promptsSeen").asInt(), "the other instance's group");
    }

    @Test
    void modelBoundsAnswersTheVersionsRollUpsInSchemaFieldOrder() throws Exception {
        queries.models.add(model("team/m@1", "tofu", "forget", 3));
        Reply r = get(server, "/api/v1/models/team%2Fm@1/bounds");
        assertEquals(200, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals(
                "{\"modelVersion\":\"team/m@1\",\"groups\":[{\"modelVersion\":\"team/m@1\",\"suite\":\"tofu\","
                        + "\"split\":\"forget\",\"alpha\":0.0,\"mode\":null,\"suiteSize\":null,\"decodingHash\":\"\","
                        + "\"complete\":false,\"promptsSeen\":3,\"promptsFinal\":1,\"meanMMu\":0.5,\"suiteBound\":0.75,"
                        + "\"maxMBin\":0.25,\"hiddenLeakCount\":0,\"meanGreedyScore\":null,\"meanSampledScore\":0.4,"
                        + "\"updatedAt\":1000}]}",
                r.body);
    }

    @Test
    void modelBoundsOfAnUnknownVersionIs404() throws Exception {
        Reply r = get(server, "/api/v1/models/nope/bounds");
        assertEquals(404, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals("{\"error\":\"no bounds for model version nope\"}", r.body);
    }

    @Test
    void promptsAnswersEveryRequestOfThePromptSortedByRequestId() throws Exception {
        queries.prompts.add(prompt("r2", "m1", "p1"));
        queries.prompts.add(prompt("r1", "m1", "p1"));
        queries.prompts.add(prompt("r3", "m1", "p2"));
        Reply r = get(server, "/api/v1/models/m1/prompts/p1");
        assertEquals(200, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        JsonNode body = r.json();
        assertEquals("m1", body.get("modelVersion").asText());
        assertEquals("p1", body.get("promptId").asText());
        assertEquals(2, body.get("prompts").size());
        assertEquals("r1", body.get("prompts").get(0).get("requestId").asText());
        assertEquals("r2", body.get("prompts").get(1).get("requestId").asText());
        assertEquals("CONBO", body.get("prompts").get(0).get("mode").asText());
        assertEquals(1000, body.get("prompts").get(0).get("updatedAt").asLong());

        Reply none = get(server, "/api/v1/models/m1/prompts/p9");
        assertEquals(404, none.status);
        assertEquals("{\"error\":\"no bounds for prompt p9 of model version m1\"}", none.body);
    }

    @Test
    void requestOwnedHereIsAnsweredFromTheLocalState() throws Exception {
        queries.prompts.add(prompt("r1", "m1", "p1"));
        Reply r = get(server, "/api/v1/requests/r1");
        assertEquals(200, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals("r1", r.json().get("requestId").asText());
        assertEquals(10, r.json().get("n").asInt());

        Reply unknown = get(server, "/api/v1/requests/r9");
        assertEquals(404, unknown.status);
        assertEquals("{\"error\":\"unknown request r9\"}", unknown.body);
    }

    @Test
    void requestAWorkerRefusedAnswersRejectedWithTheReason() throws Exception {
        queries.prompts.add(prompt("r1", "m1", "p1"));
        queries.rejections.put(
                "r1",
                new InteractiveQueries.RequestRejection(
                        "UNKNOWN_MODEL_VERSION", "model version 'm1' is not configured"));
        Reply r = get(server, "/api/v1/requests/r1");
        assertEquals(200, r.status);
        assertEquals("REJECTED", r.json().get("status").asText());
        assertEquals("UNKNOWN_MODEL_VERSION", r.json().get("rejectionReason").asText());
        assertEquals(
                "model version 'm1' is not configured",
                r.json().get("rejectionMessage").asText());
    }

    @Test
    void requestOwnedByAnotherInstanceIsForwardedToIt() throws Exception {
        FakeQueries otherQueries = otherInstance();
        otherQueries.prompts.add(prompt("far", "m1", "p1"));
        queries.owner = otherQueries.self;
        Reply r = get(server, "/api/v1/requests/far");
        assertEquals(200, r.status, r.body);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals("far", r.json().get("requestId").asText());
        assertEquals(1, otherQueries.localRequestReads.get(), "the owner answered from its own state");
        assertEquals(0, queries.localRequestReads.get());

        Reply missing = get(server, "/api/v1/requests/absent");
        assertEquals(404, missing.status, "the owner's 404 is relayed");
        assertEquals("{\"error\":\"unknown request absent\"}", missing.body);
    }

    @Test
    void requestWhoseOwnerDoesNotAnswerIs502() throws Exception {
        queries.owner = new HostInfo("127.0.0.1", deadPort());
        Reply r = get(server, "/api/v1/requests/r1");
        assertEquals(502, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertTrue(r.json().get("error").asText().startsWith("instance "), r.body);
    }

    @Test
    void requestWhoseOwnerIsUnknownIs503() throws Exception {
        queries.ownerKnown = false;
        Reply r = get(server, "/api/v1/requests/r1");
        assertEquals(503, r.status);
        assertEquals("{\"error\":\"the owner of request r1 is not known right now (rebalancing)\"}", r.body);
    }

    // ----------------------------------------------------------------------------------------------- errors

    @Test
    void queriesBeforeAttachAre503() throws Exception {
        try (AggregatorHttpServer fresh = new AggregatorHttpServer("127.0.0.1", 0, prometheus)) {
            Reply r = get(fresh, "/api/v1/models");
            assertEquals(503, r.status);
            assertEquals(JSON_TYPE, r.contentType);
            assertEquals("{\"error\":\"the aggregator is starting\"}", r.body);
        }
    }

    @Test
    void storesNotQueryableAre503() throws Exception {
        queries.failure = new InvalidStateStoreException("rebalancing");
        Reply r = get(server, "/api/v1/models/m1/bounds");
        assertEquals(503, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals(
                "{\"error\":\"state stores not queryable right now (rebalancing or restoring): rebalancing\"}", r.body);
    }

    @Test
    void unexpectedFailuresAre500InTheSameShape() throws Exception {
        queries.failure = new IllegalStateException("boom");
        Reply r = get(server, "/api/v1/models");
        assertEquals(500, r.status);
        assertEquals(JSON_TYPE, r.contentType);
        assertEquals("{\"error\":\"java.lang.IllegalStateException: boom\"}", r.body);
    }

    @Test
    void unknownPathsAre404() throws Exception {
        for (String path : List.of("/api/v1/nothing", "/api/v1/models/m1/other", "/nope")) {
            Reply r = get(server, path);
            assertEquals(404, r.status, path);
            assertEquals(JSON_TYPE, r.contentType);
            assertTrue(r.json().get("error").asText().contains(path), r.body);
        }
    }

    @Test
    void everyMethodButGetIs405() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE")) {
            for (String path : List.of("/api/v1/models", "/health", "/nope")) {
                Reply r = send(server, method, path);
                assertEquals(405, r.status, method + " " + path);
                assertEquals(JSON_TYPE, r.contentType);
                assertEquals("{\"error\":\"read-only API: only GET is supported\"}", r.body);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------- fixtures

    /** A second server with its own fake, both fakes listing both instances. */
    FakeQueries otherInstance() {
        AggregatorHttpServer other = new AggregatorHttpServer("127.0.0.1", 0, prometheus);
        others.add(other);
        HostInfo otherHost = new HostInfo("127.0.0.1", other.port());
        FakeQueries otherQueries = new FakeQueries(otherHost);
        other.attach(otherQueries, otherHost);
        queries.instances.add(otherHost);
        otherQueries.instances.add(self);
        return otherQueries;
    }

    static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ModelVersionBounds model(String version, String suite, String split, int seen) {
        return ModelVersionBounds.newBuilder()
                .setModelVersion(version)
                .setSuite(suite)
                .setSplit(split)
                .setPromptsSeen(seen)
                .setPromptsFinal(1)
                .setMeanMMu(0.5)
                .setSuiteBound(0.75)
                .setMaxMBin(0.25)
                .setHiddenLeakCount(0)
                .setMeanGreedyScore(null)
                .setMeanSampledScore(0.4)
                .setUpdatedAt(Instant.ofEpochMilli(1000))
                .build();
    }

    static PromptBounds prompt(String requestId, String version, String promptId) {
        return PromptBounds.newBuilder()
                .setRequestId(requestId)
                .setModelVersion(version)
                .setPromptId(promptId)
                .setSuite("tofu")
                .setSplit("forget")
                .setMode(BoundMode.CONBO)
                .setStatus(BoundsStatus.FINAL)
                .setAlpha(0.01)
                .setLeakThreshold(0.5)
                .setN(10)
                .setTargetN(10)
                .setK(1)
                .setMean(0.3)
                .setStd(0.1)
                .setMBin(0.4)
                .setMBinLower(0.0)
                .setMGen(0.4)
                .setMGenLower(0.0)
                .setMMu(0.5)
                .setMMuLower(0.1)
                .setMSigma(0.3)
                .setMSigmaLower(0.0)
                .setMEd(0.8)
                .setMEdLower(0.1)
                .setEdLambda(1.0)
                .setGreedyScore(0.2)
                .setMaxSampledScore(0.6)
                .setHiddenLeak(true)
                .setUpdatedAt(Instant.ofEpochMilli(1000))
                .build();
    }

    /** The seam's fake: lists filled by the test, this instance listed first, optional failure on every read. */
    static final class FakeQueries implements InteractiveQueries {
        final HostInfo self;
        // Copy-on-write: the dashboard's event thread reads them while a test adds to them.
        final List<ModelVersionBounds> models = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<PromptBounds> prompts = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<HostInfo> instances = new ArrayList<>();
        final AtomicInteger localRequestReads = new AtomicInteger();
        final java.util.Map<String, InteractiveQueries.RequestRejection> rejections =
                new java.util.concurrent.ConcurrentHashMap<>();
        volatile HostInfo owner;
        volatile boolean ownerKnown = true;
        volatile RuntimeException failure;

        FakeQueries(HostInfo self) {
            this.self = self;
            this.owner = self;
            instances.add(self);
        }

        private void maybeFail() {
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public List<ModelVersionBounds> localModelBounds() {
            maybeFail();
            return List.copyOf(models);
        }

        @Override
        public List<ModelVersionBounds> localModelBounds(String modelVersion) {
            maybeFail();
            return models.stream()
                    .filter(m -> m.getModelVersion().equals(modelVersion))
                    .toList();
        }

        @Override
        public List<PromptBounds> localPromptBounds(String modelVersion, String promptId) {
            maybeFail();
            return prompts.stream()
                    .filter(p -> p.getModelVersion().equals(modelVersion)
                            && p.getPromptId().equals(promptId))
                    .toList();
        }

        @Override
        public List<PromptBounds> localVersionPrompts(String modelVersion) {
            maybeFail();
            return prompts.stream()
                    .filter(p -> p.getModelVersion().equals(modelVersion))
                    .toList();
        }

        @Override
        public Optional<PromptBounds> localRequestBounds(String requestId, long nowMs) {
            maybeFail();
            localRequestReads.incrementAndGet();
            return prompts.stream()
                    .filter(p -> p.getRequestId().equals(requestId))
                    .findFirst();
        }

        @Override
        public Optional<RequestRejection> localRequestRejection(String requestId) {
            return Optional.ofNullable(rejections.get(requestId));
        }

        @Override
        public Optional<HostInfo> ownerOfRequest(String requestId) {
            maybeFail();
            return ownerKnown ? Optional.of(owner) : Optional.empty();
        }

        @Override
        public List<HostInfo> allInstances() {
            return List.copyOf(instances);
        }
    }

    record Reply(int status, String contentType, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    static Reply get(AggregatorHttpServer s, String path) throws Exception {
        return send(s, "GET", path);
    }

    static Reply send(AggregatorHttpServer s, String method, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }
}
