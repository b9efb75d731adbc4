package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.backend.GenerationRequest;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** Chunk planning inside the loop and each chunk's transaction: samples, progress and offset together, or nothing. */
class ChunkRunnerTest {
    private final MockKafka kafka = new MockKafka();

    @Test
    void requestIsDrawnInPlannedChunksEachCommittingItsSamplesWithProgressAndTheLastCommittingPastTheRequest()
            throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        EvalRequest request = Requests.request("req-a", MockKafka.MODEL, 5).build();
        kafka.addRequest(MockKafka.P0, 3, request);
        MockKafka.drain(loop, 20);

        List<GenerationRequest> calls = kafka.backend.calls();
        assertEquals(
                List.of(0, 2, 4),
                calls.stream().map(GenerationRequest::firstIndex).toList());
        assertEquals(
                List.of(2, 2, 1), calls.stream().map(GenerationRequest::count).toList());
        assertEquals(
                List.of(true, false, false),
                calls.stream().map(GenerationRequest::includeGreedy).toList());
        assertEquals(3, kafka.producer.commitCount(), "one transaction per chunk");
        assertEquals(
                List.of(
                        new OffsetAndMetadata(3, new Progress(3, 2, "req-a").encode()),
                        new OffsetAndMetadata(3, new Progress(3, 4, "req-a").encode()),
                        MockKafka.done(4, request)),
                kafka.committedOffsets(MockKafka.P0));

        List<ScoredSample> samples = kafka.committedSamples();
        assertEquals(
                List.of(-1, 0, 1, 2, 3, 4),
                samples.stream().map(ScoredSample::getSampleIndex).toList());
        for (ScoredSample s : samples) {
            assertEquals(SampleIds.sampleId("req-a", s.getSampleIndex()), s.getSampleId());
            assertEquals(FakeBackend.text(s.getSampleIndex()), s.getText());
            assertEquals(s.getSampleIndex() % 2 == 0, s.getLeaked(), "even indices reproduce the reference");
            assertEquals("w-unit", s.getWorkerId());
        }
        assertTrue(kafka.producer.history().stream().allMatch(r -> r.key().equals("req-a")), "keyed by request id");
        assertEquals(6.0, kafka.metrics.samples());
        assertEquals(0, kafka.metrics.inFlight());
        assertTrue(loop.recovery().progress(MockKafka.P0).isEmpty(), "a finished request leaves no progress behind");
    }

    @Test
    void anUnavailableEndpointDefersTheChunkWithNothingProducedOrCommittedAndKeepsTheRequest() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-a", MockKafka.MODEL, 4).build());
        loop.iterate(); // poll, admit
        loop.iterate(); // chunk 0 commits
        assertEquals(1, kafka.producer.commitCount());

        kafka.backend.failNext =
                new dev.probeval.worker.http.EndpointUnavailableException("http://h:1/v1", "HTTP 503", null, null);
        loop.iterate(); // chunk 1: the endpoint is down
        assertEquals(1, kafka.producer.commitCount(), "nothing committed");
        assertFalse(kafka.producer.transactionInFlight(), "no transaction was opened");
        assertTrue(kafka.producer.uncommittedRecords().isEmpty());
        assertEquals(1.0, kafka.metrics.chunksDeferred());
        assertEquals(0.0, kafka.metrics.errors("ENDPOINT_UNAVAILABLE"), "not rejected before the outage deadline");
        assertEquals("req-a", loop.work().current().request.requestId(), "the request stays in flight");
        assertEquals(1, loop.work().current().nextOrdinal(), "at the same chunk");
        int calls = kafka.backend.calls().size();
        loop.iterate(); // within the pause: polls, does not call the backend again
        assertEquals(calls, kafka.backend.calls().size());
        assertEquals(
                List.of(-1, 0, 1),
                kafka.committedSamples().stream()
                        .map(ScoredSample::getSampleIndex)
                        .toList());
    }

    @Test
    void failedCommitAbortsTheChunksTransactionAndRedrawsItFromTheCommittedProgress() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        EvalRequest r = Requests.request("req-a", MockKafka.MODEL, 4).build();
        kafka.addRequest(MockKafka.P0, 0, r);
        loop.iterate(); // poll, admit
        loop.iterate(); // chunk 0 commits
        assertEquals(1, kafka.producer.commitCount());

        kafka.producer.commitTransactionException = new KafkaException("broker went away");
        loop.iterate(); // chunk 1: sent, commit fails, aborted
        kafka.producer.commitTransactionException = null;
        assertTrue(kafka.producer.transactionAborted());
        assertFalse(kafka.producer.transactionInFlight());
        assertEquals(
                List.of(-1, 0, 1),
                kafka.committedSamples().stream()
                        .map(ScoredSample::getSampleIndex)
                        .toList(),
                "the aborted chunk's samples are not committed");
        assertTrue(kafka.producer.uncommittedRecords().isEmpty());
        assertEquals(1.0, kafka.metrics.errors(WorkerMetrics.KAFKA_ERROR));
        assertNull(loop.work().current(), "the request in flight is forgotten");
        assertEquals(
                new Progress(0, 2, "req-a"),
                loop.recovery().progress(MockKafka.P0).orElse(null),
                "progress reloaded from the committed offset");

        // The consumer was rewound to the request; a broker would serve it again.
        assertEquals(0L, kafka.consumer.position(MockKafka.P0));
        kafka.addRequest(MockKafka.P0, 0, r);
        MockKafka.drain(loop, 10);
        assertEquals(
                List.of(-1, 0, 1, 2, 3),
                kafka.committedSamples().stream()
                        .map(ScoredSample::getSampleIndex)
                        .toList(),
                "each sample committed once");
        assertEquals(
                List.of(0, 2, 2),
                kafka.backend.calls().stream()
                        .map(GenerationRequest::firstIndex)
                        .toList(),
                "only the aborted chunk is drawn again");
    }

    @Test
    void generationFailureMidRequestRejectsItAndSaysWhichSamplesWereProduced() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-a", MockKafka.MODEL, 4).build());
        loop.iterate();
        loop.iterate(); // chunk 0
        kafka.backend.failNext = new IllegalStateException("prompt exceeds the context");
        MockKafka.drain(loop, 5);

        assertTrue(kafka.committedDeadLetters().isEmpty());
        List<ScoredSample> out = kafka.committedSamples();
        ScoredSample notice = out.get(out.size() - 1);
        assertEquals(dev.probeval.avro.ScoredRecordType.REJECTED, notice.getRecordType());
        assertEquals("GENERATION_FAILED", notice.getRejectionReason());
        assertTrue(
                notice.getRejectionMessage().contains("samples before index 2 were produced"),
                notice.getRejectionMessage());
        assertEquals(
                new OffsetAndMetadata(1),
                kafka.committedOffsets(MockKafka.P0).get(1),
                "the REJECTED notice commits the offset past the request");
        assertEquals(0, kafka.metrics.inFlight());
    }

    @Test
    void progressTooLongForOffsetMetadataIsNotCommitted() {
        String longId = "r".repeat(ChunkRunner.MAX_PROGRESS_METADATA);
        EvalRequest r = Requests.request(longId, MockKafka.MODEL, 4).build();
        ValidatedRequest vr = new ValidatedRequest(r, null, null, null, List.of(), 0.5);
        InFlight f = new InFlight(
                new ConsumerRecord<>(MockKafka.REQUESTS, 0, 9L, null, null), vr, ChunkPlan.plan(4, 2, true, 0));
        OffsetAndMetadata om = ChunkRunner.offsetFor(f, f.chunks.get(0));
        assertEquals(9L, om.offset(), "the request stays uncommitted");
        assertEquals("", om.metadata(), "a restart draws it afresh");
        assertEquals(new OffsetAndMetadata(10), ChunkRunner.offsetFor(f, f.chunks.get(1)));
    }
}
