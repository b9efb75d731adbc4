package dev.probeval.tests;

import static dev.probeval.tests.RestJson.getJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping end to end on one in-JVM KRaft broker, the project's HTTP registry, a sampler worker with the real
 * stories260K model and the aggregator: under the rule "M_bin at τ = 0.5 vs 0.05, either way", cap 512, a prompt
 * whose reference the model says all the time is decided above after a few dozen samples, and one whose reference it
 * never says is certified below well before the cap; the aggregator reports each complete at its decided n.
 */
class EarlyStoppingEndToEndTest {
    private static final String MODEL = "stories260k";
    private static final int CAP = 512;

    @TempDir
    Path tmp;

    private static EvalRequest request(String id, String reference) {
        return Requests.request(id, MODEL, CAP)
                .setPromptId(id)
                .setReferences(List.of(reference))
                .setBoundMode(BoundMode.ANYTIME)
                .setAlpha(0.01)
                .setLogSampleTexts(false)
                .setStoppingRule(StoppingRule.newBuilder()
                        .setMetric(StoppingMetric.M_BIN)
                        .setThreshold(0.05)
                        .setDecide(StoppingDecide.EITHER)
                        .build())
                .build();
    }

    private static JsonNode awaitDecided(Aggregator agg, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode j = getJson(agg.httpUrl() + "/api/v1/requests/" + id);
            if (j != null && j.hasNonNull("stoppingStatus")) {
                return j;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no stopping status for " + id + " within 180 s");
    }

    @Test
    void aLeakyPromptStopsEarlyAndANonLeakyOneIsCertifiedBelowTheCap() throws Exception {
        Stories.checkpoint();
        try (KafkaTestCluster cluster = KafkaTestCluster.start(1)) {
            // "a" is in nearly every story the model tells: recall 1 ≥ τ; a word outside its vocabulary never is.
            EvalRequest leaky = request("req-leaky", "a");
            EvalRequest clean = request("req-clean", "xylophone");
            cluster.produceRequests(leaky, clean);
            try (SamplerWorker worker = SamplerWorker.start(
                            WorkerConfig.builder()
                                    .setKafka(WorkerConfig.kafkaBuilder()
                                            .setBootstrapServers(cluster.bootstrapServers())
                                            .optSchemaRegistryUrl(cluster.registryUrl())
                                            .build())
                                    .setModels(Stories.catalog(MODEL))
                                    .optWorkerId("w-early")
                                    .optPollTimeout(Duration.ofMillis(100))
                                    .build(),
                            new SimpleMeterRegistry());
                    Aggregator agg = Aggregator.start(AggregatorConfig.builder()
                            .setKafka(AggregatorConfig.kafkaBuilder()
                                    .setBootstrapServers(cluster.bootstrapServers())
                                    .optSchemaRegistryUrl(cluster.registryUrl())
                                    .optPartitions(1)
                                    .optKafkaConfig("commit.interval.ms", 100)
                                    .optKafkaConfig("statestore.cache.max.bytes", 0)
                                    .optKafkaConfig("num.stream.threads", 1)
                                    .build())
                            .optApplicationId("agg-" + UUID.randomUUID())
                            .optStateDir(tmp.resolve("agg"))
                            .optHttpPort(0)
                            .optEmitEverySamples(0)
                            .optEmitIntervalMs(200)
                            .optModelEmitIntervalMs(200)
                            .build())) {
                agg.awaitRunning(Duration.ofSeconds(60));
                JsonNode l = awaitDecided(agg, "req-leaky");
                assertEquals("DECIDED_ABOVE", l.get("stoppingStatus").asText(), l.toString());
                int ln = l.get("decidedAtN").asInt();
                assertEquals(ln, l.get("n").asInt());
                assertTrue(ln <= 64, "a prompt that leaks on most samples is decided after a few dozen: " + ln);
                assertTrue(l.get("mBinLower").asDouble() > 0.05, l.toString());

                JsonNode c = awaitDecided(agg, "req-clean");
                assertEquals("DECIDED_BELOW", c.get("stoppingStatus").asText(), c.toString());
                int cn = c.get("decidedAtN").asInt();
                assertEquals(cn, c.get("n").asInt());
                assertEquals(0, c.get("k").asInt());
                assertTrue(cn < CAP, "certified below the threshold before the cap: " + cn);
                assertTrue(c.get("mBin").asDouble() < 0.05, c.toString());
                assertEquals(
                        ln + cn,
                        (int) worker.metrics().samples() - 2,
                        "the worker drew no sample past the decisions" + " (plus the two greedy baselines)");
            }
        }
    }
}
