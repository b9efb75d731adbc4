package dev.probeval.tests;

import static dev.probeval.tests.RestJson.getJson;
import static dev.probeval.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.DeadLetter;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.Topics;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request ends, live: a worker (real stories260K model) and an aggregator on one embedded KRaft
 * broker with the project's registry. A request for a model version no worker serves ends REJECTED in the aggregator
 * (its REST answer says so, with the reason); alpha 0.7, numSamples 0 and non-Avro bytes each yield exactly one dead
 * letter, from the aggregator, with its reason code; a good request and one scored with the documented metric name
 * {@code exact_match} end FINAL.
 */
class RequestContractEndToEndTest {
    private static final String MODEL = "stories260k";
    private static final int PARTITIONS = 2;

    private KafkaTestCluster cluster;

    @TempDir
    Path tmp;

    @BeforeEach
    void startInfrastructure() {
        Stories.checkpoint();
        cluster = KafkaTestCluster.start(PARTITIONS);
    }

    @AfterEach
    void stopInfrastructure() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every committed dead letter, by the bad record's key. */
    private Map<String, List<DeadLetter>> committedDeadLetters() {
        Map<String, List<DeadLetter>> out = new HashMap<>();
        try (KafkaTestCluster.Reader<DeadLetter> reader = cluster.readCommitted(Topics.DEAD_LETTERS)) {
            for (DeadLetter d : reader.readToEnd("the dead letters", Duration.ofSeconds(60)).stream()
                    .map(ConsumerRecord::value)
                    .toList()) {
                String key =
                        new String(d.getKey() == null ? new byte[0] : d.getKey().array(), StandardCharsets.UTF_8);
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(d);
            }
        }
        return out;
    }

    @Test
    void unknownModelVersionEndsRejectedAndEveryBadRequestYieldsExactlyOneDeadLetter() throws Exception {
        SamplerWorker worker = SamplerWorker.start(
                WorkerConfig.builder()
                        .setKafka(WorkerConfig.kafkaBuilder()
                                .setBootstrapServers(cluster.bootstrapServers())
                                .optSchemaRegistryUrl(cluster.registryUrl())
                                .build())
                        .setModels(Stories.catalog(MODEL))
                        .optWorkerId("w-contract")
                        .optChunkSize(2)
                        .optPollTimeout(Duration.ofMillis(100))
                        .optRetryBackoff(Duration.ofMillis(200))
                        .optTransactionTimeoutMs(10_000)
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
                .optStateDir(tmp.resolve("agg"))
                .optHttpPort(0)
                .optEmitEverySamples(0)
                .optEmitIntervalMs(200)
                .optModelEmitIntervalMs(200)
                .build());
        cluster.closeAfter(agg);
        agg.awaitRunning(Duration.ofSeconds(60));

        cluster.produceRequests(
                Requests.request("req-good", MODEL, 2).build(),
                Requests.request("req-unknown-model", "llama-70b", 4).build(),
                Requests.request("req-alpha", MODEL, 4).setAlpha(0.7).build(),
                Requests.request("req-zero-n", MODEL, 0).build(),
                Requests.request("req-exact-match", MODEL, 2)
                        .setScorer(dev.probeval.avro.ScorerConfig.newBuilder()
                                .setMetric("exact_match")
                                .setLeakThreshold(0.5)
                                .setStripPrefixes(List.of())
                                .build())
                        .build());
        cluster.produceRaw(Topics.EVAL_REQUESTS.name(), "req-garbage", "not avro".getBytes(StandardCharsets.UTF_8));

        JsonNode[] rejected = new JsonNode[1];
        await("req-unknown-model REJECTED", Duration.ofSeconds(120), () -> {
            rejected[0] = getJson(agg.httpUrl() + "/api/v1/requests/req-unknown-model");
            return rejected[0] != null
                    && "REJECTED".equals(rejected[0].get("status").asText());
        });
        assertEquals("UNKNOWN_MODEL_VERSION", rejected[0].get("rejectionReason").asText());
        assertTrue(rejected[0].get("rejectionMessage").asText().contains("llama-70b"), rejected[0].toString());
        assertEquals(0, rejected[0].get("n").asInt());

        for (String id : List.of("req-good", "req-exact-match")) {
            await(id + " FINAL", Duration.ofSeconds(120), () -> {
                JsonNode g = getJson(agg.httpUrl() + "/api/v1/requests/" + id);
                return g != null
                        && "FINAL".equals(g.get("status").asText())
                        && g.get("n").asInt() == 2;
            });
        }
        // the worker has decided (and committed) every bad record, the aggregator has dead-lettered all three
        await(
                "worker skipped the bad records",
                Duration.ofSeconds(60),
                () -> worker.metrics().errors("ALPHA_OUT_OF_RANGE") == 1
                        && worker.metrics().errors("NUM_SAMPLES_OUT_OF_RANGE") == 1
                        && worker.metrics().errors("UNDESERIALIZABLE") == 1);
        await(
                "aggregator dead-lettered the bad records",
                Duration.ofSeconds(60),
                () -> agg.metrics().deadLetterCount(DeadLetterReason.ALPHA_OUT_OF_RANGE) == 1
                        && agg.metrics().deadLetterCount(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE) == 1
                        && agg.metrics().deadLetterCount(DeadLetterReason.UNDESERIALIZABLE) == 1);

        Map<String, List<DeadLetter>> dls = committedDeadLetters();
        assertEquals(3, dls.size(), () -> "dead letters: " + dls);
        assertEquals(1, dls.get("req-alpha").size(), () -> "one dead letter for alpha 0.7: " + dls.get("req-alpha"));
        assertEquals("ALPHA_OUT_OF_RANGE", dls.get("req-alpha").get(0).getReasonCode());
        assertEquals(1, dls.get("req-zero-n").size());
        assertEquals("NUM_SAMPLES_OUT_OF_RANGE", dls.get("req-zero-n").get(0).getReasonCode());
        assertEquals(1, dls.get("req-garbage").size());
        assertEquals("UNDESERIALIZABLE", dls.get("req-garbage").get(0).getReasonCode());
        assertTrue(worker.failure().isEmpty());
    }
}
