package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
import dev.probeval.worker.http.CompletionStub;
import dev.probeval.worker.http.CompletionStub.Fault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import okhttp3.mockwebserver.MockWebServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker with the HTTP backend against a programmable stub, on a real embedded broker and registry: faults and
 * an outage neither lose nor double a sample, and an endpoint that stays down ends the request REJECTED with
 * {@code ENDPOINT_UNAVAILABLE} after its deadline, the chunks before the outage counted once.
 */
class HttpBackendWorkerTest {
    private static final String MODEL = "served-model";
    private static final int PARTITIONS = 2;

    private KafkaTestCluster cluster;
    private MockWebServer server;
    private CompletionStub stub;

    @BeforeEach
    void start() throws Exception {
        cluster = KafkaTestCluster.start(PARTITIONS);
        stub = new CompletionStub();
        server = new MockWebServer();
        server.setDispatcher(stub);
        server.start();
        cluster.closeAfter(server::shutdown); // closed after the workers, before the registry and the broker
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private SamplerWorker startWorker(String options, SimpleMeterRegistry meters, ChunkListener listener) {
        ModelCatalog catalog = ModelCatalog.parse(List.of(MODEL + "=http://127.0.0.1:" + server.getPort()
                + ",timeout=500ms,retries=1,retryBackoff=20ms,maxRetryBackoff=200ms," + options));
        WorkerConfig cfg = WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers(cluster.bootstrapServers())
                        .optSchemaRegistryUrl(cluster.registryUrl())
                        .build())
                .setModels(catalog)
                .optWorkerId("w-http")
                .optChunkSize(2)
                .optPollTimeout(Duration.ofMillis(100))
                .optRetryBackoff(Duration.ofMillis(200))
                .optTransactionTimeoutMs(10_000)
                .optConsumerConfig(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
                .optConsumerConfig(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500)
                .build();
        SamplerWorker w = SamplerWorker.start(cfg, meters, listener);
        cluster.closeAfter(w);
        return w;
    }

    /** Committed records of the samples topic until {@code done} holds, then a quiet second more. */
    private List<ScoredSample> committed(Predicate<List<ScoredSample>> done) {
        try (KafkaTestCluster.Reader<ScoredSample> reader = cluster.readCommitted(Topics.SAMPLES)) {
            reader.awaitUntil("the committed samples", Duration.ofSeconds(120), seen -> done.test(reader.values()));
            reader.drain();
            return reader.values();
        }
    }

    private static List<ScoredSample> of(List<ScoredSample> all, String requestId) {
        return all.stream().filter(s -> s.getRequestId().equals(requestId)).collect(Collectors.toList());
    }

    /** Every sample of the request once, each the stub's function of its seed, scored as the in-process path would. */
    private static void assertExactlyOnce(List<ScoredSample> samples, EvalRequest r) {
        assertEquals(r.getNumSamples() + 1, samples.size(), samples.toString());
        Set<Integer> indices =
                samples.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet());
        assertEquals(r.getNumSamples() + 1, indices.size(), "each index once: " + indices);
        for (ScoredSample s : samples) {
            assertEquals(ScoredRecordType.SAMPLE, s.getRecordType());
            int i = s.getSampleIndex();
            assertEquals(SampleIds.sampleId(r.getRequestId(), i), s.getSampleId());
            long seed = SampleIds.sampleSeed(r.getDecoding().getSeed(), r.getRequestId(), i);
            assertEquals(seed, s.getSeed());
            String expected = i < 0 ? "greedy text" : CompletionStub.text(seed);
            assertEquals(expected, s.getText());
            assertEquals(expected.startsWith("there was a little girl named Lily") ? 1.0 : 0.0, s.getScore(), 1e-12);
            assertEquals(3, s.getTokenCount());
            assertEquals(-1.5, s.getLogProbability(), 1e-12);
            assertTrue(s.getReproducible());
        }
    }

    @Test
    void faultsAndAnOutageNeitherLoseNorDoubleASample() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // Every kind of fault once, then the endpoint is down (503) until the worker has tried it 12 more times.
        stub.then(
                Fault.HTTP_500,
                Fault.RATE_LIMITED_1S,
                Fault.HANG,
                Fault.CUT_BODY,
                Fault.TRUNCATED_JSON,
                Fault.REFUSE_CONNECTION);
        stub.downFor(12);
        startWorker("outageDeadline=5m,maxConcurrency=2", meters, ChunkListener.NONE);
        EvalRequest r = Requests.request("req-outage", MODEL, 7).build();
        cluster.produceRequests(r);
        List<ScoredSample> all = committed(s -> of(s, "req-outage").size() >= 8);
        assertExactlyOnce(of(all, "req-outage"), r);
        assertTrue(
                meters.get("probeval.worker.chunks.deferred").counter().count() >= 1,
                "the outage outlasted one chunk's retries, so a chunk waited for the endpoint");
        assertEquals(
                0.0,
                meters.get("probeval.worker.errors")
                        .tag("kind", "ENDPOINT_UNAVAILABLE")
                        .counter()
                        .count());
        assertTrue(meters.get("probeval.worker.http.retries").counter().count() >= 6);
        assertTrue(meters.get("probeval.worker.http.requests")
                        .tag("outcome", "ok")
                        .counter()
                        .count()
                >= 8);
    }

    @Test
    void anEndpointThatStaysDownEndsTheRequestRejectedAfterItsDeadlineAndTheWorkerCarriesOn() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ChunkListener downAfterFirstChunk = new ChunkListener() {
            @Override
            public void afterCommit(String requestId, Chunk chunk) {
                if (requestId.equals("req-down") && chunk.ordinal() == 0) {
                    stub.setDown(true);
                }
            }
        };
        startWorker("outageDeadline=2s", meters, downAfterFirstChunk);
        EvalRequest r = Requests.request("req-down", MODEL, 6).build();
        cluster.produceRequests(r);
        List<ScoredSample> all = committed(
                s -> of(s, "req-down").stream().anyMatch(x -> x.getRecordType() == ScoredRecordType.REJECTED));
        List<ScoredSample> mine = of(all, "req-down");
        List<ScoredSample> samples = mine.stream()
                .filter(s -> s.getRecordType() == ScoredRecordType.SAMPLE)
                .toList();
        List<ScoredSample> rejected = mine.stream()
                .filter(s -> s.getRecordType() == ScoredRecordType.REJECTED)
                .toList();
        assertEquals(1, rejected.size(), mine.toString());
        assertEquals(
                Set.of(-1, 0, 1),
                samples.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()),
                "the chunk committed before the outage, once");
        assertEquals(3, samples.size());
        ScoredSample notice = rejected.get(0);
        assertEquals("ENDPOINT_UNAVAILABLE", notice.getRejectionReason());
        String msg = notice.getRejectionMessage();
        assertTrue(msg.contains("http://127.0.0.1:" + server.getPort() + "/v1"), msg);
        assertTrue(msg.contains("outage deadline 2 s"), msg);
        assertTrue(msg.contains("samples before index 2 were produced"), msg);
        assertEquals(
                1.0,
                meters.get("probeval.worker.errors")
                        .tag("kind", "ENDPOINT_UNAVAILABLE")
                        .counter()
                        .count());

        // The endpoint comes back: the next request is drawn in full.
        stub.setDown(false);
        EvalRequest next = Requests.request("req-after", MODEL, 3).build();
        cluster.produceRequests(next);
        assertExactlyOnce(of(committed(s -> of(s, "req-after").size() >= 4), "req-after"), next);
    }
}
