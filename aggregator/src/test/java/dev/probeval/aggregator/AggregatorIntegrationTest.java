package dev.probeval.aggregator;

import static dev.probeval.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.Topic;
import dev.probeval.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce → process → verify against a real in-JVM KRaft broker and the project's real HTTP schema registry server
 * (module embedded), one of each shared by the whole class. Each test uses its own application id; topics are shared,
 * so each test uses its own request ids and model version and filters outputs by them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregatorIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;

    private KafkaTestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @BeforeAll
    void startInfrastructure() {
        cluster = KafkaTestCluster.start(PARTITIONS);
    }

    @AfterAll
    void stopInfrastructure() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private AggregatorConfig.Builder config(String appId, String stateSubdir) {
        return AggregatorConfig.builder()
                .setKafka(AggregatorConfig.kafkaBuilder()
                        .setBootstrapServers(cluster.bootstrapServers())
                        .optSchemaRegistryUrl(cluster.registryUrl())
                        .optPartitions(PARTITIONS)
                        .optKafkaConfig("commit.interval.ms", 100)
                        .optKafkaConfig("statestore.cache.max.bytes", 0)
                        .optKafkaConfig("num.stream.threads", 1)
                        .build())
                .optApplicationId(appId)
                .optStateDir(tmp.resolve(stateSubdir))
                .optHttpPort(0)
                .optEmitEverySamples(0)
                .optEmitIntervalMs(200)
                .optModelEmitIntervalMs(200)
                // a stray sample waits this long in the early-sample buffer before its UNKNOWN_REQUEST dead letter
                .optEarlySampleTimeoutMs(1_000);
    }

    /** Everything committed on a topic so far (read_committed, from the beginning). */
    private <V extends SpecificRecord> List<ConsumerRecord<String, V>> readAll(Topic<String, V> topic) {
        try (KafkaTestCluster.Reader<V> reader = cluster.readCommitted(topic)) {
            return new ArrayList<>(reader.drain(3, Duration.ofMillis(500)));
        }
    }

    private JsonNode get(String baseUrl, String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(expectedStatus, r.statusCode(), () -> path + " -> " + r.body());
        return JSON.readTree(r.body());
    }

    /** 200 with a body, or null for any other status (rebalancing, not there yet). */
    private JsonNode tryGet(String baseUrl, String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void shouldProduceProcessAndEmitFinalBoundsRollupsAndDeadLetters() throws Exception {
        String prefix = "it1-" + UUID.randomUUID() + "-";
        List<EvalRequest> reqs = Records.requests(prefix, "it1-model", 4, 20);
        cluster.produce(Topics.EVAL_REQUESTS, reqs, EvalRequest::getRequestId);
        List<ScoredSample> ss = Records.interleavedSamples(reqs);
        ss.add(5, ss.get(3)); // a redelivered sample
        ss.add(Records.sample(prefix + "unknown", 0, 0.5));
        cluster.produce(Topics.SAMPLES, ss, ScoredSample::getRequestId);
        cluster.produceRaw(Topics.SAMPLES.name(), prefix + "0", "garbage".getBytes(StandardCharsets.UTF_8));

        try (Aggregator agg =
                Aggregator.start(config("it1-" + UUID.randomUUID(), "it1").build())) {
            agg.awaitRunning(Duration.ofSeconds(60));
            await("model roll-ups with all prompts FINAL", Duration.ofSeconds(60), () -> {
                JsonNode b = tryGet(agg.httpUrl(), "/api/v1/models/it1-model/bounds");
                if (b == null) {
                    return false;
                }
                int finals = 0;
                for (JsonNode g : b.get("groups")) {
                    finals += g.get("promptsFinal").asInt();
                }
                return finals == 4;
            });
            assertEquals(1.0, agg.metrics().duplicateCount());

            // REST while we are at it: one instance answers everything.
            JsonNode models = get(agg.httpUrl(), "/api/v1/models", 200);
            assertTrue(models.toString().contains("it1-model"));
            JsonNode p0 = get(agg.httpUrl(), "/api/v1/models/it1-model/prompts/p0", 200);
            assertEquals(20, p0.get("prompts").get(0).get("n").asInt());
            assertEquals("FINAL", p0.get("prompts").get(0).get("status").asText());
            get(agg.httpUrl(), "/api/v1/models/no-such-model/bounds", 404);
            JsonNode live = get(agg.httpUrl(), "/api/v1/requests/" + prefix + "1", 200);
            assertEquals(20, live.get("n").asInt());
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(agg.httpUrl() + "/metrics"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("probeval_aggregator_samples_counted_total"), "own meters");
            assertTrue(
                    metrics.contains("kafka_stream_thread_process_total") || metrics.contains("kafka_stream_"),
                    "Kafka Streams' meters");
            assertTrue(metrics.contains("probeval_aggregator_dead_letters_total"), "dead-letter counter");
            assertTrue(metrics.contains("probeval_aggregator_early_samples_buffered"), "early-sample buffer gauge");
            // the stray sample waits in the early-sample buffer, then is dead-lettered once its deadline (1 s) passed
            await(
                    "stray sample dead-lettered after its buffer deadline",
                    Duration.ofSeconds(60),
                    () -> agg.metrics().deadLetterCount(DeadLetterReason.EARLY_SAMPLE_EXPIRED) >= 1);
            assertEquals(0, agg.metrics().earlySamplesBuffered());
        }

        List<PromptBounds> finals = new ArrayList<>();
        for (ConsumerRecord<String, PromptBounds> r : readAll(Topics.PROMPT_BOUNDS)) {
            if (r.key().startsWith(prefix) && r.value().getStatus() == dev.probeval.avro.BoundsStatus.FINAL) {
                finals.add(r.value());
            }
        }
        assertTrue(finals.size() >= 4, "FINAL bounds for every request on the output topic: " + finals.size());
        assertTrue(finals.stream().allMatch(pb -> pb.getN() == 20));

        List<DeadLetter> dls = new ArrayList<>();
        for (ConsumerRecord<String, DeadLetter> r : readAll(Topics.DEAD_LETTERS)) {
            String k = new String(
                    r.value().getKey() == null ? new byte[0] : bytes(r.value().getKey()), StandardCharsets.UTF_8);
            if (k.startsWith(prefix)) {
                dls.add(r.value());
            }
        }
        assertEquals(2, dls.size(), () -> "dead letters: " + dls);
        assertTrue(dls.stream().anyMatch(d -> d.getReasonCode().equals("EARLY_SAMPLE_EXPIRED")));
        assertTrue(dls.stream().anyMatch(d -> d.getErrorClass().endsWith("AvroDeserializationException")));

        List<ModelVersionBounds> rollups = new ArrayList<>();
        for (ConsumerRecord<String, ModelVersionBounds> r : readAll(Topics.MODEL_BOUNDS)) {
            if (r.value().getModelVersion().equals("it1-model")) {
                rollups.add(r.value());
            }
        }
        assertTrue(rollups.stream()
                .anyMatch(m -> m.getPromptsFinal() == 2 && m.getSplit().equals("forget")));
    }

    private static JsonNode withoutTimes(JsonNode n) {
        JsonNode copy = n.deepCopy();
        if (copy instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.remove("updatedAt");
        }
        return copy;
    }

    private Map<String, JsonNode> finalRequestBounds(Aggregator agg, List<EvalRequest> reqs) throws Exception {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        for (EvalRequest r : reqs) {
            out.put(r.getRequestId(), withoutTimes(get(agg.httpUrl(), "/api/v1/requests/" + r.getRequestId(), 200)));
        }
        return out;
    }

    private JsonNode finalModelBounds(Aggregator agg, String model) throws Exception {
        com.fasterxml.jackson.databind.node.ArrayNode groups = JSON.createArrayNode();
        for (JsonNode g :
                get(agg.httpUrl(), "/api/v1/models/" + model + "/bounds", 200).get("groups")) {
            groups.add(withoutTimes(g));
        }
        return groups;
    }

    private void awaitAllFinal(Aggregator agg, String model, int prompts) throws InterruptedException {
        await("all " + prompts + " prompts of " + model + " FINAL in the roll-up", Duration.ofSeconds(90), () -> {
            JsonNode b = tryGet(agg.httpUrl(), "/api/v1/models/" + model + "/bounds");
            if (b == null) {
                return false;
            }
            int finals = 0;
            for (JsonNode g : b.get("groups")) {
                finals += g.get("promptsFinal").asInt();
            }
            return finals == prompts;
        });
    }

    @Test
    void shouldEndWithExactlyTheBoundsOfAnUninterruptedRunAfterAStopAndRestartMidStream() throws Exception {
        String model = "it2-model-" + UUID.randomUUID();
        String prefix = "it2-" + UUID.randomUUID() + "-";
        int prompts = 20;
        int n = 300;
        List<EvalRequest> reqs = Records.requests(prefix, model, prompts, n);
        cluster.produce(Topics.EVAL_REQUESTS, reqs, EvalRequest::getRequestId);
        List<ScoredSample> ss = Records.interleavedSamples(reqs);
        // Only the first half is on the topic when the first instance stops: the aggregator counts 6,000 samples in
        // well under one poll of the await below, so with everything produced up front it could finish before it stops.
        int half = ss.size() / 2;
        cluster.produce(Topics.SAMPLES, ss.subList(0, half), ScoredSample::getRequestId);

        AggregatorConfig cfg =
                config("it2-restart-" + UUID.randomUUID(), "restart").build();
        double countedBeforeStop;
        try (Aggregator first = Aggregator.start(cfg)) {
            first.awaitRunning(Duration.ofSeconds(60));
            await(
                    "a quarter of the samples counted",
                    Duration.ofSeconds(60),
                    () -> first.metrics().samplesCountedTotal() >= ss.size() / 4.0);
            countedBeforeStop = first.metrics().samplesCountedTotal();
        }
        assertTrue(countedBeforeStop < prompts * n, "stopped mid-stream: " + countedBeforeStop + " counted");
        cluster.produce(Topics.SAMPLES, ss.subList(half, ss.size()), ScoredSample::getRequestId);

        Map<String, JsonNode> expected;
        JsonNode expectedModel;
        try (Aggregator uninterrupted =
                Aggregator.start(config("it2-ref-" + UUID.randomUUID(), "ref").build())) {
            uninterrupted.awaitRunning(Duration.ofSeconds(60));
            awaitAllFinal(uninterrupted, model, prompts);
            expected = finalRequestBounds(uninterrupted, reqs);
            expectedModel = finalModelBounds(uninterrupted, model);
        }

        try (Aggregator second = Aggregator.start(cfg)) {
            second.awaitRunning(Duration.ofSeconds(60));
            awaitAllFinal(second, model, prompts);
            assertTrue(
                    second.metrics().samplesCountedTotal() < prompts * n,
                    "the restart resumed from committed state instead of starting over");
            assertEquals(expected, finalRequestBounds(second, reqs));
            assertEquals(expectedModel, finalModelBounds(second, model));
        }
        for (JsonNode b : expected.values()) {
            assertEquals(n, b.get("n").asInt());
            assertEquals("FINAL", b.get("status").asText());
        }
    }

    @Test
    void shouldAnswerTheRestApiFromEitherOfTwoInstancesForKeysTheOtherOwns() throws Exception {
        String model = "it3-model-" + UUID.randomUUID();
        String prefix = "it3-" + UUID.randomUUID() + "-";
        int prompts = 12;
        List<EvalRequest> reqs = Records.requests(prefix, model, prompts, 10);
        cluster.produce(Topics.EVAL_REQUESTS, reqs, EvalRequest::getRequestId);
        cluster.produce(Topics.SAMPLES, Records.interleavedSamples(reqs), ScoredSample::getRequestId);

        String appId = "it3-" + UUID.randomUUID();
        try (Aggregator a = Aggregator.start(config(appId, "a").build());
                Aggregator b = Aggregator.start(config(appId, "b").build())) {
            await(
                    "both instances RUNNING with tasks",
                    Duration.ofSeconds(90),
                    () -> a.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING
                            && b.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING
                            && !a.streams()
                                    .metadataForLocalThreads()
                                    .iterator()
                                    .next()
                                    .activeTasks()
                                    .isEmpty()
                            && !b.streams()
                                    .metadataForLocalThreads()
                                    .iterator()
                                    .next()
                                    .activeTasks()
                                    .isEmpty());
            awaitAllFinal(a, model, prompts);
            awaitAllFinal(b, model, prompts);

            int forwarded = 0;
            BoundsQueries qa = new BoundsQueries(a.streams(), 1.0);
            for (EvalRequest r : reqs) {
                String path = "/api/v1/requests/" + r.getRequestId();
                JsonNode fromA = withoutTimes(get(a.httpUrl(), path, 200));
                JsonNode fromB = withoutTimes(get(b.httpUrl(), path, 200));
                assertEquals(fromA, fromB, path);
                assertEquals(10, fromA.get("n").asInt());
                int owner = qa.ownerOfRequest(r.getRequestId()).orElseThrow().port();
                forwarded += owner == a.httpPort() ? 0 : 1;
            }
            assertTrue(
                    forwarded > 0 && forwarded < prompts,
                    "requests are split between the instances (a owns " + (prompts - forwarded) + ")");

            JsonNode boundsA = finalModelBounds(a, model);
            assertEquals(2, boundsA.size(), "forget and retain groups, wherever they live");
            assertEquals(boundsA, finalModelBounds(b, model));
            assertEquals(
                    withoutModelsTimes(get(a.httpUrl(), "/api/v1/models", 200), model),
                    withoutModelsTimes(get(b.httpUrl(), "/api/v1/models", 200), model));
            for (int i = 0; i < prompts; i++) {
                JsonNode pa = get(a.httpUrl(), "/api/v1/models/" + model + "/prompts/p" + i, 200);
                JsonNode pb = get(b.httpUrl(), "/api/v1/models/" + model + "/prompts/p" + i, 200);
                assertEquals(
                        withoutTimes(pa.get("prompts").get(0)),
                        withoutTimes(pb.get("prompts").get(0)));
            }
        }
    }

    private static JsonNode withoutModelsTimes(JsonNode models, String model) {
        for (JsonNode m : models.get("models")) {
            if (m.get("modelVersion").asText().equals(model)) {
                com.fasterxml.jackson.databind.node.ArrayNode groups = JSON.createArrayNode();
                m.get("groups").forEach(g -> groups.add(withoutTimes(g)));
                return groups;
            }
        }
        throw new AssertionError(model + " missing from " + models);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
