package dev.probeval.worker;

import static dev.probeval.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.broker.testing.KafkaTestCluster.Reader;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topic;
import dev.probeval.kafka.Topics;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Produce → process → verify on a real in-JVM KRaft broker and the project's HTTP schema registry, with the real
 * stories260K model behind the worker. Each test gets a fresh broker (about two seconds), so workers of one test never
 * see another test's requests. Tests that also start an aggregator live in the {@code tests} module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplerWorkerIntegrationTest {
    private static final String MODEL = "stories260k";
    private static final int PARTITIONS = 2;

    private SamplingBackend reference;
    private KafkaTestCluster cluster;

    @BeforeAll
    void openReferenceModel() throws Exception {
        reference = Models.openBackend(Stories.checkpoint(), Stories.tokenizer());
    }

    @AfterAll
    void closeReferenceModel() {
        if (reference != null) {
            reference.close();
        }
    }

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

    private WorkerConfig.Builder config(String workerId) {
        return WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers(cluster.bootstrapServers())
                        .optSchemaRegistryUrl(cluster.registryUrl())
                        .build())
                .setModels(Stories.catalog(MODEL))
                .optWorkerId(workerId)
                .optChunkSize(2)
                .optPollTimeout(Duration.ofMillis(100))
                .optRetryBackoff(Duration.ofMillis(200))
                .optTransactionTimeoutMs(10_000)
                // A killed worker (no LeaveGroup) is noticed after the session timeout: the broker's minimum keeps it
                // short.
                .optConsumerConfig(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
                .optConsumerConfig(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    }

    private SamplerWorker start(WorkerConfig cfg, ChunkListener listener) {
        SamplerWorker w = SamplerWorker.start(cfg, new SimpleMeterRegistry(), listener);
        cluster.closeAfter(w);
        return w;
    }

    /** A reader of {@code topic} from the beginning, closed after the test. */
    private <V extends SpecificRecord> Reader<V> reader(Topic<String, V> topic, String isolation) {
        return cluster.closeAfter(cluster.reader(topic, isolation));
    }

    private static long countFor(List<? extends ConsumerRecord<String, ?>> recs, String key) {
        return recs.stream().filter(r -> key.equals(r.key())).count();
    }

    /** The request drawn in one uninterrupted batch by a model of our own: what the worker must reproduce. */
    private Map<Integer, GeneratedSample> directDraw(EvalRequest r) throws Exception {
        ValidatedRequest vr = new RequestValidator(Stories.catalog(MODEL), 4096, 1000).validate(r.getRequestId(), r);
        Map<Integer, GeneratedSample> out = new HashMap<>();
        for (GeneratedSample g : reference.generate(GenerationRequest.of(
                r.getRequestId(), r.getPrompt(), r.getNumSamples(), vr.decoding(), vr.baseSeed(), r.getDrawGreedy()))) {
            out.put(g.index(), g);
        }
        return out;
    }

    private static void assertSamplesMatchDirectDraw(
            List<ScoredSample> samples, Map<Integer, GeneratedSample> direct, String workerIdPrefix) {
        for (ScoredSample s : samples) {
            GeneratedSample g = direct.get(s.getSampleIndex());
            assertNotNull(g, "unexpected sample index " + s.getSampleIndex());
            assertEquals(SampleIds.sampleId(s.getRequestId(), s.getSampleIndex()), s.getSampleId());
            assertEquals(g.sampleId(), s.getSampleId());
            assertEquals(g.seed(), s.getSeed());
            assertEquals(g.text(), s.getText(), "sample " + s.getSampleIndex() + " must equal the uninterrupted draw");
            assertEquals(g.tokens(), s.getTokenCount());
            assertEquals(s.getSampleIndex() < 0 ? SampleKind.GREEDY : SampleKind.SAMPLED, s.getKind());
            assertTrue(s.getScore() >= 0 && s.getScore() <= 1);
            assertEquals(s.getScore() >= 0.5, s.getLeaked());
            assertTrue(s.getWorkerId().startsWith(workerIdPrefix), s.getWorkerId());
        }
    }

    @Test
    void shouldDrawGreedyAndSamplesWithDeterministicIdsRejectUnknownModelsAndSkipBadRequests() throws Exception {
        SamplerWorker worker = start(config("w-basic").build(), ChunkListener.NONE);
        EvalRequest good = Requests.request("req-good", MODEL, 5).build();
        EvalRequest noGreedy = Requests.request("req-nogreedy", MODEL, 3)
                .setDrawGreedy(false)
                .setLogSampleTexts(false)
                .build();
        EvalRequest unknownModel =
                Requests.request("req-unknown-model", "llama-70b", 5).build();
        EvalRequest zeroN = Requests.request("req-zero-n", MODEL, 0).build();
        cluster.produceRequests(good, noGreedy, unknownModel, zeroN);
        cluster.produceRaw(Topics.EVAL_REQUESTS.name(), "req-garbage", "not avro".getBytes(StandardCharsets.UTF_8));

        Reader<ScoredSample> samples = reader(Topics.SAMPLES, "read_committed");
        samples.awaitUntil(
                "6 + 3 samples and 1 REJECTED notice",
                Duration.ofSeconds(120),
                recs -> countFor(recs, "req-good") >= 6
                        && countFor(recs, "req-nogreedy") >= 3
                        && countFor(recs, "req-unknown-model") >= 1);
        WorkerMetrics m = worker.metrics();
        // contract violations are skipped (their offsets committed) without a dead letter: the aggregator owns those
        await(
                "bad records skipped",
                Duration.ofSeconds(60),
                () -> m.errors("NUM_SAMPLES_OUT_OF_RANGE") == 1.0 && m.errors("UNDESERIALIZABLE") == 1.0);
        samples.drain();
        Reader<DeadLetter> dls = reader(Topics.DEAD_LETTERS, "read_committed");
        dls.drain();
        assertTrue(dls.seen().isEmpty(), () -> "the worker writes no dead letters: " + dls.seen());

        List<ScoredSample> goodSamples = samples.values(r -> r.key().equals("req-good"));
        assertEquals(6, goodSamples.size(), "greedy + n = 5, each exactly once");
        assertEquals(
                Set.of(-1, 0, 1, 2, 3, 4),
                goodSamples.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
        assertSamplesMatchDirectDraw(goodSamples, directDraw(good), "w-basic");
        assertTrue(goodSamples.stream()
                .allMatch(s -> s.getModelVersion().equals(MODEL)
                        && s.getPromptId().equals("p-req-good")
                        && s.getSuite().equals("tiny")
                        && s.getSplit().equals("forget")));

        List<ScoredSample> ng = samples.values(r -> r.key().equals("req-nogreedy"));
        assertEquals(
                Set.of(0, 1, 2), ng.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
        assertTrue(ng.stream().allMatch(s -> s.getText() == null), "texts only when logSampleTexts");

        List<ScoredSample> notices = samples.values(r -> r.key().equals("req-unknown-model"));
        assertEquals(1, notices.size());
        ScoredSample unknown = notices.get(0);
        assertEquals(ScoredRecordType.REJECTED, unknown.getRecordType());
        assertEquals("UNKNOWN_MODEL_VERSION", unknown.getRejectionReason());
        assertTrue(
                unknown.getRejectionMessage().contains("'llama-70b'")
                        && unknown.getRejectionMessage().contains(MODEL),
                unknown.getRejectionMessage());
        assertTrue(samples.values(r -> r.key().equals("req-zero-n") || r.key().equals("req-garbage"))
                .isEmpty());

        await("metrics", Duration.ofSeconds(10), () -> m.inFlight() == 0);
        assertEquals(9.0, m.samples());
        assertEquals(
                goodSamples.stream().mapToInt(ScoredSample::getTokenCount).sum()
                        + ng.stream().mapToInt(ScoredSample::getTokenCount).sum(),
                (long) m.tokens());
        assertEquals(1.0, m.errors("UNKNOWN_MODEL_VERSION"));
        assertEquals(0.0, m.errors(WorkerMetrics.KAFKA_ERROR));
        assertTrue(worker.isRunning());
        assertTrue(worker.failure().isEmpty());
    }

    @Test
    void shouldServePrometheusMetricsWhenAPortIsGiven() throws Exception {
        SamplerWorker worker = SamplerWorker.start(
                config("w-metrics").optMetricsEndpoint("127.0.0.1", 0).build());
        cluster.closeAfter(worker);
        cluster.produceRequests(Requests.request("req-m", MODEL, 2).build());
        reader(Topics.SAMPLES, "read_committed")
                .awaitUntil("3 samples", Duration.ofSeconds(60), recs -> recs.size() >= 3);
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.metricsPort() + "/metrics"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        String body = r.body();
        for (String meter : List.of(
                "probeval_worker_tokens_total",
                "probeval_worker_samples_total",
                "probeval_worker_requests_in_flight",
                "probeval_worker_errors_total",
                "probeval_worker_chunks_deferred_total",
                "kafka_producer_")) {
            assertTrue(body.contains(meter), "missing " + meter);
        }
        // Rates are Prometheus's job (rate() over the counters): no gauge of the last chunk's rate any more.
        assertFalse(body.contains("probeval_worker_tokens_per_second"), body);
        assertTrue(body.contains("probeval_worker_samples_total{kind=\"GREEDY\"} 1.0"), body);
        HttpResponse<String> ready = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.metricsPort() + "/health/ready"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().startsWith("{\"state\":\"RUNNING\",\"live\":true,\"ready\":true"), ready.body());
    }

    @Test
    void shouldPollBetweenChunksSoALongRequestKeepsItsGroupMembership() throws Exception {
        // Every chunk takes 500 ms and the whole request about 3 s, twice max.poll.interval.ms. A worker that did not
        // poll between chunks would be evicted from the group and its offset commit fenced.
        BackendFactory slow = slowBackend(500);
        SamplerWorker worker = start(
                config("w-slow")
                        .optChunkSize(1)
                        .optBackendFactory(slow)
                        .optConsumerConfig(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1500)
                        .build(),
                ChunkListener.NONE);
        EvalRequest r = Requests.request("req-slow", MODEL, 6).build();
        cluster.produceRequests(r);
        Reader<ScoredSample> samples = reader(Topics.SAMPLES, "read_committed");
        samples.awaitUntil("7 samples", Duration.ofSeconds(90), recs -> countFor(recs, "req-slow") >= 7);
        samples.drain();
        List<ScoredSample> got = samples.values(x -> x.key().equals("req-slow"));
        assertEquals(7, got.size());
        assertEquals(7, got.stream().map(ScoredSample::getSampleId).distinct().count());
        assertSamplesMatchDirectDraw(got, directDraw(r), "w-slow");
        assertEquals(0.0, worker.metrics().errors(WorkerMetrics.KAFKA_ERROR), "no fenced or failed commit");
        // The backend's share of each chunk is timed apart from the chunk: 6 draws of at least 500 ms, inside the
        // chunks.
        io.micrometer.core.instrument.Timer draws =
                worker.meterRegistry().get("probeval.worker.generate.duration").timer();
        io.micrometer.core.instrument.Timer chunks =
                worker.meterRegistry().get("probeval.worker.chunk.duration").timer();
        assertEquals(6, draws.count());
        assertEquals(6, chunks.count());
        assertTrue(draws.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS) >= 6 * 500, draws.toString());
        assertTrue(
                draws.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)
                        <= chunks.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS),
                "a draw is part of its chunk");
    }

    /** The real model behind a backend that takes {@code delayMs} longer per chunk: a test double at the factory seam. */
    private BackendFactory slowBackend(long delayMs) throws Exception {
        SamplingBackend real = Models.openBackend(Stories.checkpoint(), Stories.tokenizer());
        cluster.closeAfter(real::close);
        return spec -> new SamplingBackend() {
            @Override
            public List<GeneratedSample> generate(GenerationRequest request) {
                sleep(delayMs);
                return real.generate(request);
            }

            @Override
            public String describe() {
                return "slow " + real.describe();
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void twoWorkersInOneGroupShouldSplitTheRequestsAndDrawEverySampleOnce() throws Exception {
        BackendFactory slow = slowBackend(400);
        List<EvalRequest> reqs = new ArrayList<>();
        try (KafkaProducer<String, EvalRequest> p = cluster.producer(Topics.EVAL_REQUESTS, Map.of())) {
            for (int i = 0; i < 4; i++) {
                EvalRequest r = Requests.request("req-scale-" + i, MODEL, 4).build();
                reqs.add(r);
                p.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), i % PARTITIONS, r.getRequestId(), r));
            }
            p.flush();
        }
        start(config("w-a").optBackendFactory(slow).build(), ChunkListener.NONE);
        start(config("w-b").optBackendFactory(slow).build(), ChunkListener.NONE);
        Reader<ScoredSample> samples = reader(Topics.SAMPLES, "read_committed");
        samples.awaitUntil(
                "4 x 5 samples",
                Duration.ofSeconds(120),
                recs -> reqs.stream().allMatch(r -> countFor(recs, r.getRequestId()) >= 5));
        samples.drain();
        assertEquals(20, samples.seen().size(), "every sample committed exactly once, whoever drew it");
        for (EvalRequest r : reqs) {
            List<ScoredSample> got = samples.values(x -> x.key().equals(r.getRequestId()));
            assertEquals(
                    Set.of(-1, 0, 1, 2, 3),
                    got.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
            assertSamplesMatchDirectDraw(got, directDraw(r), "w-");
        }
        Set<String> workers =
                samples.seen().stream().map(x -> x.value().getWorkerId()).collect(Collectors.toSet());
        assertEquals(Set.of("w-a", "w-b"), workers, "both members of the group drew samples");
    }

    /** Thrown from a chunk hook to stop a worker like a killed process. */
    private static final class SimulatedKill extends RuntimeException {
        SimulatedKill() {
            super("simulated kill");
        }
    }

    @Test
    void shouldResumeAfterAWorkerIsKilledMidChunkAndCommitEverySampleOnce() throws Exception {
        EvalRequest r = Requests.request("req-kill", MODEL, 6).build();
        Map<Integer, GeneratedSample> direct = directDraw(r);
        cluster.produceRequests(r);

        // Worker A commits chunk 0 (greedy, 0, 1), sends chunk 1 (2, 3) in an open transaction and dies before the
        // commit: no abort, no LeaveGroup.
        SamplerWorker a = start(config("w-kill").build(), new ChunkListener() {
            @Override
            public void beforeCommit(String requestId, Chunk chunk) {
                if (chunk.ordinal() == 1) {
                    sleep(1000); // let the producer put the doomed chunk into the log before the "kill"
                    throw new SimulatedKill();
                }
            }
        });
        assertTrue(a.awaitStopped(Duration.ofSeconds(120)), "worker A should die at its second chunk");
        assertInstanceOf(SimulatedKill.class, a.failure().orElseThrow());
        assertInstanceOf(
                SimulatedKill.class,
                assertThrows(ExecutionException.class, () -> a.terminated().get(10, TimeUnit.SECONDS))
                        .getCause(),
                "terminated() reports the crash");
        assertEquals(3.0, a.metrics().samples(), "A committed exactly the greedy baseline and samples 0, 1");

        // Worker B takes the same slot (worker id): its transactional id fences A and aborts A's open transaction; it
        // reads the committed progress of the request and draws only samples 2..5.
        SamplerWorker b = start(config("w-kill").build(), ChunkListener.NONE);
        Reader<ScoredSample> committed = reader(Topics.SAMPLES, "read_committed");
        committed.awaitUntil("7 committed samples", Duration.ofSeconds(120), recs -> countFor(recs, "req-kill") >= 7);
        committed.drain();
        List<ScoredSample> got = committed.values(x -> x.key().equals("req-kill"));
        assertEquals(
                7,
                got.size(),
                "every sample committed exactly once: "
                        + got.stream().map(ScoredSample::getSampleIndex).toList());
        assertEquals(
                Set.of(-1, 0, 1, 2, 3, 4, 5),
                got.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
        assertSamplesMatchDirectDraw(got, direct, "w-kill");
        await("B's request done", Duration.ofSeconds(10), () -> b.metrics().inFlight() == 0);
        assertEquals(4.0, b.metrics().samples(), "B drew only the 4 samples A had not committed");

        // The killed chunk's records reached the log and were aborted: read_uncommitted sees them, read_committed not.
        Reader<ScoredSample> uncommitted = reader(Topics.SAMPLES, "read_uncommitted");
        uncommitted.drain();
        assertEquals(9, countFor(uncommitted.seen(), "req-kill"), "7 committed + the 2 of the aborted chunk");

        assertFalse(b.failure().isPresent());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
