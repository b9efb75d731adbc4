package dev.probeval.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
import dev.probeval.testsupport.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on a real embedded KRaft broker with the project's registry: the broker stopped and restarted on the same
 * data directory mid-stream, and one of two aggregator instances killed with {@code kill -9} (a child JVM) mid-stream.
 * Each run ends with exactly the bounds of a fault-free run over the same records, and processing continues after the
 * fault (samples produced after it are counted). Inputs are synthetic scored samples (no model), kept small.
 */
class FaultToleranceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;
    private static final int PROMPTS = 8;
    private static final int N = 120;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private KafkaTestCluster cluster;

    @TempDir
    Path tmp;

    @AfterEach
    void stopAll() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startBrokerAndRegistry(Path dataDir) {
        // a restarted broker or a killed aggregator may fail to close cleanly: keep closing the rest
        cluster = KafkaTestCluster.builder()
                .partitions(PARTITIONS)
                .dataDir(dataDir)
                .quietClose(true)
                .start();
    }

    // ------------------------------------------------------------------------------------------------ records

    private static EvalRequest request(String id, String model, int i) {
        return EvalRequest.newBuilder(Requests.request(id, model, N).build())
                .setPromptId("p" + i)
                .setSplit(i % 2 == 0 ? "forget" : "retain")
                .setBoundMode(BoundMode.SOUND)
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("rougeL_recall")
                        .setLeakThreshold(0.5)
                        .setStripPrefixes(List.of())
                        .build())
                .build();
    }

    private static ScoredSample sample(EvalRequest r, int index, double score) {
        return ScoredSample.newBuilder()
                .setSampleId(SampleIds.sampleId(r.getRequestId(), index))
                .setRequestId(r.getRequestId())
                .setModelVersion(r.getModelVersion())
                .setPromptId(r.getPromptId())
                .setSuite(r.getSuite())
                .setSplit(r.getSplit())
                .setSampleIndex(index)
                .setKind(index == SampleIds.GREEDY_INDEX ? SampleKind.GREEDY : SampleKind.SAMPLED)
                .setSeed(SampleIds.sampleSeed(0, r.getRequestId(), index))
                .setScore(score)
                .setLeaked(score >= 0.5)
                .setTokenCount(8)
                .setFinishReason(FinishReason.EOS)
                .setWorkerId("synthetic")
                .setProducedAt(Instant.ofEpochMilli(1_700_000_001_000L + index))
                .build();
    }

    /** Sample i of every request, then i + 1, ..., with a fixed score pattern, then one greedy baseline each. */
    private static List<ScoredSample> samples(List<EvalRequest> reqs) {
        List<ScoredSample> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            for (int r = 0; r < reqs.size(); r++) {
                out.add(sample(reqs.get(r), i, ((i * 7 + r * 13) % 11) / 10.0));
            }
        }
        for (EvalRequest r : reqs) {
            out.add(sample(r, SampleIds.GREEDY_INDEX, 0.1));
        }
        return out;
    }

    private static List<EvalRequest> requests(String prefix, String model) {
        List<EvalRequest> out = new ArrayList<>();
        for (int i = 0; i < PROMPTS; i++) {
            out.add(request(prefix + i, model, i));
        }
        return out;
    }

    /** An idempotent producer that lives through a broker restart (its serializer keeps the registered schema ids). */
    private <V extends SpecificRecord> KafkaProducer<String, V> producer(dev.probeval.kafka.Topic<String, V> topic) {
        return cluster.closeAfter(cluster.producer(
                topic,
                Map.of(
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        120_000)));
    }

    private static void sendSamples(KafkaProducer<String, ScoredSample> p, List<ScoredSample> ss) {
        for (ScoredSample s : ss) {
            p.send(new ProducerRecord<>(Topics.SAMPLES.name(), s.getRequestId(), s));
        }
        p.flush();
    }

    // ------------------------------------------------------------------------------------------------ REST

    private JsonNode tryGet(String url) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The body of a health route whatever its status (200 or 503), or null when nothing answered. */
    private JsonNode health(String url) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (Exception e) {
            return null;
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.await(what, timeout, Duration.ofMillis(200), condition);
    }

    private static JsonNode withoutTimes(JsonNode n) {
        JsonNode copy = n.deepCopy();
        if (copy instanceof ObjectNode o) {
            o.remove("updatedAt");
        }
        return copy;
    }

    /** Every request's bounds once all are FINAL, and the model's roll-ups, as seen through {@code baseUrl}. */
    private Map<String, JsonNode> finalBounds(String baseUrl, List<EvalRequest> reqs, String model)
            throws InterruptedException {
        Map<String, JsonNode> out = new TreeMap<>();
        await("every request FINAL with n = " + N, Duration.ofSeconds(120), () -> {
            out.clear();
            for (EvalRequest r : reqs) {
                JsonNode b = tryGet(baseUrl + "/api/v1/requests/" + r.getRequestId());
                if (b == null
                        || b.get("n").asInt() != N
                        || !"FINAL".equals(b.get("status").asText())) {
                    return false;
                }
                out.put(r.getRequestId(), withoutTimes(b));
            }
            JsonNode m = tryGet(baseUrl + "/api/v1/models/" + model + "/bounds");
            if (m == null) {
                return false;
            }
            int finals = 0;
            ArrayNode groups = JSON.createArrayNode();
            for (JsonNode g : m.get("groups")) {
                finals += g.get("promptsFinal").asInt();
                groups.add(withoutTimes(g));
            }
            out.put("model:" + model, groups);
            return finals == PROMPTS;
        });
        return out;
    }

    /** A fault-free aggregator of its own (fresh application id) over everything on the topics. */
    private Map<String, JsonNode> faultFreeRun(List<EvalRequest> reqs, String model) throws Exception {
        try (Aggregator ref = Aggregator.start(ServiceProcess.aggregatorConfig(
                        cluster.bootstrapServers(),
                        cluster.registryUrl(),
                        "ref-" + UUID.randomUUID(),
                        tmp.resolve("ref-" + UUID.randomUUID()),
                        PARTITIONS)
                .build())) {
            ref.awaitRunning(Duration.ofSeconds(90));
            return finalBounds(ref.httpUrl(), reqs, model);
        }
    }

    private static int activeTasks(Aggregator a) {
        int n = 0;
        for (ThreadMetadata t : a.streams().metadataForLocalThreads()) {
            n += t.activeTasks().size();
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void brokerStoppedAndRestartedOnTheSameDataDirectoryMidStreamEndsWithTheFaultFreeBounds() throws Exception {
        Path data = tmp.resolve("broker");
        startBrokerAndRegistry(data);
        String model = "fault-broker-" + UUID.randomUUID();
        List<EvalRequest> reqs = requests("fb-" + UUID.randomUUID() + "-", model);
        List<ScoredSample> ss = samples(reqs);
        KafkaProducer<String, EvalRequest> requests = producer(Topics.EVAL_REQUESTS);
        KafkaProducer<String, ScoredSample> samples = producer(Topics.SAMPLES);
        for (EvalRequest r : reqs) {
            requests.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), r.getRequestId(), r));
        }
        requests.flush();
        int half = ss.size() / 2;
        sendSamples(samples, ss.subList(0, half));

        Aggregator agg = Aggregator.start(ServiceProcess.aggregatorConfig(
                        cluster.bootstrapServers(),
                        cluster.registryUrl(),
                        "fault-broker-" + UUID.randomUUID(),
                        tmp.resolve("agg"),
                        PARTITIONS)
                .build());
        cluster.closeAfter(agg);
        agg.awaitRunning(Duration.ofSeconds(90));
        await(
                "the first half counted",
                Duration.ofSeconds(90),
                () -> agg.metrics().samplesCountedTotal() >= half);
        await("ready before the fault", Duration.ofSeconds(30), () -> {
            JsonNode h = health(agg.httpUrl() + "/health/ready");
            return h != null && h.get("ready").asBoolean();
        });

        cluster.stopBroker();
        await("readiness names the broker outage", Duration.ofSeconds(30), () -> {
            JsonNode h = health(agg.httpUrl() + "/health/ready");
            return h != null && "BROKER_UNREACHABLE".equals(h.get("state").asText());
        });
        JsonNode live = health(agg.httpUrl() + "/health/live");
        assertTrue(live.get("live").asBoolean(), "a broker outage does not make the aggregator dead: " + live);

        cluster.restartBroker();
        double countedBeforeSecondHalf = agg.metrics().samplesCountedTotal();
        sendSamples(samples, ss.subList(half, ss.size()));
        Map<String, JsonNode> afterFault = finalBounds(agg.httpUrl(), reqs, model);
        assertTrue(
                agg.metrics().samplesCountedTotal() > countedBeforeSecondHalf,
                "processing continued after the broker came back");
        await("ready again", Duration.ofSeconds(60), () -> {
            JsonNode h = health(agg.httpUrl() + "/health/ready");
            return h != null && h.get("ready").asBoolean();
        });
        assertEquals(KafkaStreams.State.RUNNING, agg.streams().state());

        assertEquals(faultFreeRun(reqs, model), afterFault);
    }

    @Test
    void oneOfTwoAggregatorsKilledMidStreamTheSurvivorTakesOverWithTheFaultFreeBounds() throws Exception {
        startBrokerAndRegistry(tmp.resolve("broker"));
        String model = "fault-kill-" + UUID.randomUUID();
        List<EvalRequest> reqs = requests("fk-" + UUID.randomUUID() + "-", model);
        List<ScoredSample> ss = samples(reqs);
        KafkaProducer<String, EvalRequest> requests = producer(Topics.EVAL_REQUESTS);
        KafkaProducer<String, ScoredSample> samples = producer(Topics.SAMPLES);
        for (EvalRequest r : reqs) {
            requests.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), r.getRequestId(), r));
        }
        requests.flush();
        int third = ss.size() / 3;
        sendSamples(samples, ss.subList(0, third));

        String app = "fault-kill-" + UUID.randomUUID();
        // Static members with the broker's smallest session timeout: the dead one's partitions move after 6 s.
        Aggregator survivor = Aggregator.start(ServiceProcess.aggregatorConfig(
                        cluster.bootstrapServers(),
                        cluster.registryUrl(),
                        app,
                        tmp.resolve("survivor"),
                        PARTITIONS,
                        k -> k.optInstanceId("survivor").optSessionTimeoutMs(6000))
                .build());
        cluster.closeAfter(survivor);
        survivor.awaitRunning(Duration.ofSeconds(90));
        ServiceProcess.Child victim = ServiceProcess.start(
                tmp.resolve("victim.log"),
                "role=aggregator",
                "bootstrap=" + cluster.bootstrapServers(),
                "registry=" + cluster.registryUrl(),
                "app=" + app,
                "state=" + tmp.resolve("victim"),
                "instance=victim",
                "session=6000",
                "partitions=" + PARTITIONS);
        cluster.closeAfter(victim::kill);
        await("the work split between the two instances", Duration.ofSeconds(120), () -> {
            JsonNode h = health(victim.url() + "/health/ready");
            return h != null
                    && h.get("ready").asBoolean()
                    && survivor.streams().state() == KafkaStreams.State.RUNNING
                    && activeTasks(survivor) > 0
                    && activeTasks(survivor) < 2 * PARTITIONS;
        });
        int survivorTasksBefore = activeTasks(survivor);

        sendSamples(samples, ss.subList(third, 2 * third));
        // mid-stream: the victim has counted part of its share (its bounds are visible through the survivor's fan-out)
        await("the victim counting its share", Duration.ofSeconds(60), () -> {
            JsonNode m = tryGet(victim.url() + "/api/v1/models?scope=local");
            if (m != null && m.get("groups").size() > 0) {
                return true;
            }
            for (EvalRequest r : reqs) {
                JsonNode b = tryGet(victim.url() + "/api/v1/requests/" + r.getRequestId() + "?scope=local");
                if (b != null && b.get("n").asInt() > 0) {
                    return true;
                }
            }
            return false;
        });
        victim.kill();
        assertTrue(!victim.process().isAlive(), "the victim is dead");
        sendSamples(samples, ss.subList(2 * third, ss.size()));

        await(
                "the survivor owns every task",
                Duration.ofSeconds(120),
                () -> survivor.streams().state() == KafkaStreams.State.RUNNING
                        && activeTasks(survivor) == 2 * PARTITIONS);
        assertTrue(survivorTasksBefore < 2 * PARTITIONS);
        Map<String, JsonNode> afterKill = finalBounds(survivor.httpUrl(), reqs, model);
        assertEquals(faultFreeRun(reqs, model), afterKill);
    }
}
