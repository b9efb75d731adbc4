package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.model.backend.GenerationRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** A rebalance hands work over at the last committed chunk: revoked partitions stop, assigned ones resume. */
class RebalanceHandlerTest {
    private final MockKafka kafka = new MockKafka();

    private List<Integer> samplesOf(String requestId) {
        return kafka.committedSamples().stream()
                .filter(s -> s.getRequestId().equals(requestId))
                .map(ScoredSample::getSampleIndex)
                .toList();
    }

    @Test
    void revokedPartitionStopsItsRequestWithoutCommittingAndAnAssignedPartitionResumesItsProgress() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-a", MockKafka.MODEL, 6).build());
        kafka.addRequest(
                MockKafka.P0, 1, Requests.request("req-c", MockKafka.MODEL, 2).build());
        loop.iterate(); // poll both, admit req-a; req-c waits
        loop.iterate(); // req-a chunk 0 commits
        assertEquals(1, kafka.producer.commitCount());
        assertEquals(1, kafka.metrics.inFlight());

        // Another member left P1 with req-b (offset 2) committed up to sample 2.
        kafka.consumer.commitSync(Map.of(MockKafka.P1, new OffsetAndMetadata(2, new Progress(2, 2, "req-b").encode())));
        kafka.consumer.rebalance(List.of(MockKafka.P1));

        assertNull(loop.work().current(), "the revoked partition's request is dropped");
        assertEquals(0, loop.work().queuedCount(), "and so are its queued records");
        assertEquals(0, kafka.metrics.inFlight());
        assertEquals(1, kafka.producer.commitCount(), "nothing is committed on revocation");
        assertFalse(kafka.producer.transactionInFlight());
        assertTrue(loop.recovery().progress(MockKafka.P0).isEmpty());
        assertEquals(
                new Progress(2, 2, "req-b"),
                loop.recovery().progress(MockKafka.P1).orElseThrow(),
                "the assigned partition's committed progress is loaded");

        EvalRequest b = Requests.request("req-b", MockKafka.MODEL, 4).build();
        kafka.addRequest(MockKafka.P1, 2, b);
        MockKafka.drain(loop, 20);

        assertEquals(List.of(-1, 0, 1), samplesOf("req-a"), "req-a stops at its last committed chunk");
        assertEquals(List.of(), samplesOf("req-c"));
        assertEquals(List.of(2, 3), samplesOf("req-b"), "req-b resumes after its predecessor's chunks");
        GenerationRequest resumed =
                kafka.backend.calls().get(kafka.backend.calls().size() - 1);
        assertEquals("req-b", resumed.requestId());
        assertFalse(resumed.includeGreedy());
        assertEquals(
                List.of(new OffsetAndMetadata(0, new Progress(0, 2, "req-a").encode())),
                kafka.committedOffsets(MockKafka.P0),
                "P0's committed state is what its next owner resumes from");
        assertEquals(List.of(MockKafka.done(3, b)), kafka.committedOffsets(MockKafka.P1));
    }

    @Test
    void lostPartitionIsDroppedLikeARevokedOne() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-a", MockKafka.MODEL, 6).build());
        loop.iterate();
        loop.iterate();
        new RebalanceHandler(kafka.consumer, loop.work(), loop.recovery()).onPartitionsLost(List.of(MockKafka.P0));
        assertNull(loop.work().current());
        assertTrue(loop.recovery().progress(MockKafka.P0).isEmpty());
        assertEquals(1, kafka.producer.commitCount());
    }

    @Test
    void revokingAnotherPartitionKeepsTheRequestInFlight() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0, MockKafka.P1);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-a", MockKafka.MODEL, 4).build());
        loop.iterate();
        loop.iterate();
        kafka.consumer.rebalance(List.of(MockKafka.P0));
        MockKafka.drain(loop, 20);
        assertEquals(List.of(-1, 0, 1, 2, 3), samplesOf("req-a"));
    }
}
