package dev.probeval.tests;

import static dev.probeval.tests.RestJson.getJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.kafka.Topics;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.backend.Models;
import dev.probeval.serve.OpenAiServer;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker with the HTTP backend against a real {@code probeval serve} ({@link OpenAiServer} on loopback, the
 * stories260K model) versus the worker with the in-process DJL backend, each on a fresh embedded broker, registry and
 * aggregator: for the same requests the scored samples are equal (ids, seeds, texts, scores, token counts, finish
 * reasons; log-probabilities to float32 precision) and the aggregator's bounds are identical.
 */
class HttpBackendEndToEndTest {
    private static final String MODEL = "stories260k";
    private static final int PARTITIONS = 2;

    @TempDir
    Path tmp;

    /** The committed samples (by request id, then index) and the aggregator's FINAL bounds of each request. */
    private record Run(Map<String, List<ScoredSample>> samples, Map<String, JsonNode> bounds) {}

    private static List<EvalRequest> requests() {
        EvalRequest plain = Requests.request("req-e2e-plain", MODEL, 7).build();
        EvalRequest nucleus = Requests.request("req-e2e-nucleus", MODEL, 5)
                .setDecoding(Requests.decoding(16)
                        .setTemperature(0.8)
                        .setTopP(0.9)
                        .setSeed(11)
                        .build())
                .build();
        return List.of(plain, nucleus);
    }

    @Test
    void theHttpBackendAgainstProbevalServeReproducesTheInProcessSamplesAndBounds() throws Exception {
        Path checkpoint = Stories.checkpoint();
        Path tokenizer = Stories.tokenizer();
        Run local =
                run(ModelCatalog.of(List.of(new dev.probeval.worker.ModelSpec(MODEL, checkpoint, tokenizer))), "local");
        Run http;
        // The server decodes on the default engine, the one the in-process worker uses.
        try (LanguageModel model = Models.open(
                        dev.probeval.model.backend.ModelLocation.resolve(checkpoint, tokenizer),
                        dev.probeval.model.backend.Engine.DEFAULT);
                OpenAiServer serve = OpenAiServer.builder(model)
                        .modelName("stories-served")
                        .host("127.0.0.1")
                        .port(0)
                        .start()) {
            http = run(
                    ModelCatalog.parse(List.of(
                            MODEL + "=" + serve.url() + ",model=stories-served,maxConcurrency=4," + "timeout=30s")),
                    "http");
        }
        for (EvalRequest r : requests()) {
            String id = r.getRequestId();
            List<ScoredSample> a = local.samples().get(id);
            List<ScoredSample> b = http.samples().get(id);
            assertEquals(r.getNumSamples() + 1, a.size(), "in-process: greedy + n of " + id);
            assertEquals(a.size(), b.size(), "http: greedy + n of " + id);
            for (int k = 0; k < a.size(); k++) {
                ScoredSample x = a.get(k);
                ScoredSample y = b.get(k);
                String at = id + " sample " + x.getSampleIndex();
                assertEquals(x.getSampleIndex(), y.getSampleIndex(), at);
                assertEquals(x.getSampleId(), y.getSampleId(), at);
                assertEquals(x.getKind(), y.getKind(), at);
                assertEquals(x.getSeed(), y.getSeed(), at);
                assertEquals(x.getText(), y.getText(), at);
                assertEquals(x.getScore(), y.getScore(), at);
                assertEquals(x.getLeaked(), y.getLeaked(), at);
                assertEquals(x.getTokenCount(), y.getTokenCount(), at);
                assertEquals(x.getFinishReason(), y.getFinishReason(), at);
                // The same tokens; their log-probabilities come from float32 logits of batches of other sizes (the
                // worker's
                // chunk in process, one call's batch in the server), so they agree to float32 precision, not bit for
                // bit.
                assertEquals(
                        x.getLogProbability(),
                        y.getLogProbability(),
                        1e-5 * Math.max(1, Math.abs(x.getLogProbability())),
                        at);
                assertTrue(x.getReproducible() && y.getReproducible(), at);
            }
            assertTrue(
                    a.stream().map(ScoredSample::getText).distinct().count() > 1,
                    "the samples of " + id + " differ from each other (a real sampled distribution)");
            assertEquals(local.bounds().get(id), http.bounds().get(id), "bounds of " + id);
        }
    }

    /** Fresh broker, registry, aggregator and one worker with {@code catalog}; the requests drawn to FINAL bounds. */
    private Run run(ModelCatalog catalog, String name) throws Exception {
        try (KafkaTestCluster cluster = KafkaTestCluster.start(PARTITIONS)) {
            SamplerWorker worker = SamplerWorker.start(
                    WorkerConfig.builder()
                            .setKafka(WorkerConfig.kafkaBuilder()
                                    .setBootstrapServers(cluster.bootstrapServers())
                                    .optSchemaRegistryUrl(cluster.registryUrl())
                                    .build())
                            .setModels(catalog)
                            .optWorkerId("w-" + name)
                            .optChunkSize(3)
                            .optPollTimeout(Duration.ofMillis(100))
                            .optTransactionTimeoutMs(30_000)
                            .build(),
                    new SimpleMeterRegistry());
            cluster.closeAfter(worker);
            Aggregator agg = Aggregator.start(AggregatorConfig.builder()
                    .setKafka(AggregatorConfig.kafkaBuilder()
                            .setBootstrapServers(cluster.bootstrapServers())
                            .optSchemaRegistryUrl(cluster.registryUrl())
                            .optPartitions(PARTITIONS)
                            .optKafkaConfig("commit.interval.ms", 100)
                            .optKafkaConfig("statestore.cache.max.bytes", 0)
                            .optKafkaConfig("num.stream.threads", 1)
                            .build())
                    .optApplicationId("agg-" + UUID.randomUUID())
                    .optStateDir(tmp.resolve("agg-" + name))
                    .optHttpPort(0)
                    .optEmitEverySamples(0)
                    .optEmitIntervalMs(200)
                    .optModelEmitIntervalMs(200)
                    .build());
            cluster.closeAfter(agg);
            agg.awaitRunning(Duration.ofSeconds(60));
            cluster.produceRequests(requests());
            Map<String, List<ScoredSample>> samples = committed(cluster);
            Map<String, JsonNode> bounds = new LinkedHashMap<>();
            for (EvalRequest r : requests()) {
                bounds.put(r.getRequestId(), awaitFinal(agg, r.getRequestId(), r.getNumSamples()));
            }
            assertTrue(worker.failure().isEmpty(), name + " worker failed: " + worker.failure());
            return new Run(samples, bounds);
        }
    }

    /** Every committed sample of the requests (greedy + n each), by request, sorted by index. */
    private Map<String, List<ScoredSample>> committed(KafkaTestCluster cluster) {
        int want = requests().stream().mapToInt(r -> r.getNumSamples() + 1).sum();
        try (KafkaTestCluster.Reader<ScoredSample> reader = cluster.readCommitted(Topics.SAMPLES)) {
            reader.awaitUntil(want + " samples", Duration.ofSeconds(180), seen -> seen.size() >= want);
            List<ScoredSample> seen = reader.values();
            Map<String, List<ScoredSample>> out = new LinkedHashMap<>();
            for (ScoredSample s : seen) {
                assertEquals(ScoredRecordType.SAMPLE, s.getRecordType(), s.toString());
                out.computeIfAbsent(s.getRequestId(), k -> new ArrayList<>()).add(s);
            }
            out.values().forEach(l -> l.sort(Comparator.comparingInt(ScoredSample::getSampleIndex)));
            return out;
        }
    }

    /** The request's bounds once FINAL with n samples, without the fields that say when they were computed. */
    private static JsonNode awaitFinal(Aggregator agg, String requestId, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            JsonNode b = getJson(agg.httpUrl() + "/api/v1/requests/" + requestId);
            if (b != null
                    && b.path("n").asInt() == n
                    && "FINAL".equals(b.path("status").asText())) {
                return withoutTimes(b);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no FINAL bounds with n = " + n + " for " + requestId + "; last " + b);
            }
            Thread.sleep(100);
        }
    }

    private static JsonNode withoutTimes(JsonNode b) {
        ObjectNode copy = b.deepCopy();
        for (Iterator<String> it = copy.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.endsWith("At")
                    || f.endsWith("Ms")
                    || f.endsWith("Millis")
                    || f.toLowerCase().contains("latency")) {
                it.remove();
            }
        }
        return copy;
    }
}
