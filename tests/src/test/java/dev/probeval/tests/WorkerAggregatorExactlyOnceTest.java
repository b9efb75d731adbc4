package dev.probeval.tests;

import static dev.probeval.tests.RestJson.getJson;
import static dev.probeval.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.worker.BackendFactory;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sampler worker and an aggregator on one in-JVM KRaft broker and the project's HTTP schema registry, with the real
 * stories260K model: the aggregator's bounds count every sample of a request once however the worker was
 * interrupted, whatever an aborted transaction left in the log, and however often its samples are produced again.
 */
class WorkerAggregatorExactlyOnceTest {
    private static final String MODEL = "stories260k";
    private static final int PARTITIONS = 2;
    /** A score no ROUGE-L recall against the 7-word reference can have (those are k / 7). */
    private static final double FOREIGN_SCORE = 0.123456789;

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

    private SamplerWorker startWorker(String workerId, BackendFactory backend) {
        SamplerWorker w = SamplerWorker.start(
                WorkerConfig.builder()
                        .setKafka(WorkerConfig.kafkaBuilder()
                                .setBootstrapServers(cluster.bootstrapServers())
                                .optSchemaRegistryUrl(cluster.registryUrl())
                                .build())
                        .setModels(Stories.catalog(MODEL))
                        .optWorkerId(workerId)
                        .optChunkSize(2)
                        .optBackendFactory(backend)
                        .optPollTimeout(Duration.ofMillis(100))
                        .optRetryBackoff(Duration.ofMillis(200))
                        .optTransactionTimeoutMs(10_000)
                        // A dead worker (no LeaveGroup) is noticed after the session timeout: the broker's minimum
                        // keeps it short.
                        .optConsumerConfig(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
                        .optConsumerConfig(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500)
                        .build(),
                new SimpleMeterRegistry());
        cluster.closeAfter(w);
        return w;
    }

    /** Stands in for a process that dies: an {@link Error} from the model ends the worker's loop at once. */
    private static final class SimulatedDeath extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedDeath() {
            super("simulated death of the worker process");
        }
    }

    /** The real model, except that generate call number {@code dieAt} (1-based) kills the worker. */
    private static BackendFactory dyingAt(SamplingBackend real, int dieAt) {
        AtomicInteger calls = new AtomicInteger();
        return spec -> new SamplingBackend() {
            @Override
            public List<GeneratedSample> generate(GenerationRequest request) {
                if (calls.incrementAndGet() == dieAt) {
                    throw new SimulatedDeath();
                }
                return real.generate(request);
            }

            @Override
            public String describe() {
                return real.describe();
            }

            @Override
            public void close() {}
        };
    }

    /** Copies of the request's samples {@code indices} with a foreign score, sent in a transaction that aborts. */
    private void produceAbortedCopies(ScoredSample template, List<Integer> indices) {
        try (KafkaProducer<String, ScoredSample> p = cluster.producer(
                Topics.SAMPLES, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-aborted-" + UUID.randomUUID()))) {
            p.initTransactions();
            p.beginTransaction();
            for (int i : indices) {
                p.send(new ProducerRecord<>(
                        Topics.SAMPLES.name(),
                        template.getRequestId(),
                        ScoredSample.newBuilder(template)
                                .setSampleIndex(i)
                                .setSampleId(SampleIds.sampleId(template.getRequestId(), i))
                                .setScore(FOREIGN_SCORE)
                                .build()));
            }
            p.flush();
            p.abortTransaction();
        }
    }

    /** Every committed sample of {@code requestId}, once at least {@code atLeast} are there and a quiet second more. */
    /** Produces {@code samples} again, unchanged, in a committed transaction of another producer. */
    private void produceCommittedCopies(List<ScoredSample> samples) {
        try (KafkaProducer<String, ScoredSample> p = cluster.producer(
                Topics.SAMPLES, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-copies-" + UUID.randomUUID()))) {
            p.initTransactions();
            p.beginTransaction();
            for (ScoredSample s : samples) {
                p.send(new ProducerRecord<>(Topics.SAMPLES.name(), s.getRequestId(), s));
            }
            p.commitTransaction();
        }
    }

    private List<ScoredSample> committedSamples(String requestId, int atLeast) {
        try (KafkaTestCluster.Reader<ScoredSample> reader = cluster.readCommitted(Topics.SAMPLES)) {
            reader.awaitUntil(
                    atLeast + " samples of " + requestId,
                    Duration.ofSeconds(120),
                    seen -> seen.stream()
                                    .filter(rec -> requestId.equals(rec.key()))
                                    .count()
                            >= atLeast);
            reader.drain();
            return reader.values(rec -> requestId.equals(rec.key()));
        }
    }

    private static JsonNode awaitFinal(Aggregator agg, String requestId, int n) throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        await("FINAL bounds with n = " + n + " for " + requestId, Duration.ofSeconds(90), () -> {
            last[0] = getJson(agg.httpUrl() + "/api/v1/requests/" + requestId);
            return last[0] != null
                    && last[0].get("n").asInt() == n
                    && "FINAL".equals(last[0].get("status").asText());
        });
        return last[0];
    }

    @Test
    void aggregatorCountsEverySampleOnceAfterAWorkerDiesMidRequestAndTheRequestIsResent() throws Exception {
        SamplingBackend model = Models.openBackend(Stories.checkpoint(), Stories.tokenizer());
        cluster.closeAfter(model::close);
        EvalRequest r = Requests.request("req-kill", MODEL, 6).build();
        cluster.produceRequests(r);

        // Worker A commits chunk 0 (greedy, 0, 1) and dies drawing chunk 1.
        SamplerWorker a = startWorker("w-kill", dyingAt(model, 2));
        ExecutionException death =
                assertThrows(ExecutionException.class, () -> a.terminated().get(120, TimeUnit.SECONDS));
        assertInstanceOf(SimulatedDeath.class, death.getCause());
        assertEquals(3.0, a.metrics().samples(), "A committed the greedy baseline and samples 0, 1");

        // An aborted transaction leaves conflicting copies of samples 2..5 in the log: read_committed must skip them.
        produceAbortedCopies(committedSamples("req-kill", 3).get(0), List.of(2, 3, 4, 5));

        // Worker B takes the same slot and draws only what A had not committed.
        SamplerWorker b = startWorker("w-kill", spec -> model);
        List<ScoredSample> got = committedSamples("req-kill", 7);
        assertEquals(
                Set.of(-1, 0, 1, 2, 3, 4, 5),
                got.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
        assertEquals(7, got.size(), "every sample committed once");
        assertTrue(got.stream().noneMatch(s -> s.getScore() == FOREIGN_SCORE), "aborted copies are not committed");
        await("B's request done", Duration.ofSeconds(10), () -> b.metrics().inFlight() == 0);
        assertEquals(4.0, b.metrics().samples(), "B drew only the 4 samples A had not committed");

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
        JsonNode bounds = awaitFinal(agg, "req-kill", 6);
        assertEquals(6, bounds.get("targetN").asInt());
        double mean = got.stream()
                .filter(s -> s.getSampleIndex() >= 0)
                .mapToDouble(ScoredSample::getScore)
                .average()
                .orElseThrow();
        assertEquals(mean, bounds.get("mean").asDouble(), 1e-12, "the committed scores, not the aborted copies");
        double greedyScore = got.stream()
                .filter(s -> s.getSampleIndex() < 0)
                .findFirst()
                .orElseThrow()
                .getScore();
        assertEquals(greedyScore, bounds.get("greedyScore").asDouble(), 1e-12);

        // Re-sending the request: B knows all its samples are committed and draws none of them again.
        double dupBefore = agg.metrics().duplicateCount();
        cluster.produceRequests(r);
        await(
                "B skips the re-sent request",
                Duration.ofSeconds(60),
                () -> b.metrics().requestsAlreadyComplete() == 1);
        assertEquals(4.0, b.metrics().samples(), "nothing drawn again");
        // Copies of every sample (as a worker that could not know would produce them) are counted once.
        produceCommittedCopies(got);
        committedSamples("req-kill", 14);
        await(
                "aggregator drops the 6 copies of sampled outputs",
                Duration.ofSeconds(60),
                () -> agg.metrics().duplicateCount() - dupBefore >= 6);
        Thread.sleep(500);
        JsonNode again = getJson(agg.httpUrl() + "/api/v1/requests/req-kill");
        assertEquals(6, again.get("n").asInt(), "n counted once despite 2 copies of every sample");
        assertEquals("FINAL", again.get("status").asText());
        assertEquals(mean, again.get("mean").asDouble(), 1e-12);
        assertFalse(b.failure().isPresent());
    }
}
