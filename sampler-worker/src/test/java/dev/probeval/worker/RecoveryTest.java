package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.model.backend.GenerationRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** A restarted worker resumes from the progress in the committed offset's metadata, and only from valid progress. */
class RecoveryTest {
    /** The state a worker left behind: request at offset 3 of P0 committed up to (not including) sample 4. */
    private static MockKafka restartedAfterProgress(String metadata) {
        return new MockKafka().withCommitted(MockKafka.P0, new OffsetAndMetadata(3, metadata));
    }

    @Test
    void restartedWorkerResumesAtTheCommittedSampleIndexWithoutRedrawingGreedy() throws Exception {
        MockKafka kafka = restartedAfterProgress(new Progress(3, 4, "req-a").encode());
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        assertEquals(
                new Progress(3, 4, "req-a"),
                loop.recovery().progress(MockKafka.P0).orElseThrow(),
                "progress is loaded on assignment");
        EvalRequest a = Requests.request("req-a", MockKafka.MODEL, 6).build();
        EvalRequest b = Requests.request("req-b", MockKafka.MODEL, 1).build();
        kafka.addRequest(MockKafka.P0, 3, a);
        kafka.addRequest(MockKafka.P0, 4, b);
        MockKafka.drain(loop, 20);

        List<GenerationRequest> calls = kafka.backend.calls();
        assertEquals("req-a", calls.get(0).requestId());
        assertEquals(4, calls.get(0).firstIndex());
        assertEquals(2, calls.get(0).count());
        assertTrue(!calls.get(0).includeGreedy(), "the greedy baseline was committed before the restart");
        assertEquals(
                List.of(4, 5),
                kafka.committedSamples().stream()
                        .filter(s -> s.getRequestId().equals("req-a"))
                        .map(ScoredSample::getSampleIndex)
                        .toList());
        assertEquals(
                List.of(-1, 0),
                kafka.committedSamples().stream()
                        .filter(s -> s.getRequestId().equals("req-b"))
                        .map(ScoredSample::getSampleIndex)
                        .toList(),
                "the next request starts afresh");
        assertEquals(List.of(MockKafka.done(4, a), MockKafka.done(5, a, b)), kafka.committedOffsets(MockKafka.P0));
        assertEquals(1.0, kafka.meterCount("probeval.worker.requests.resumed"));
    }

    @Test
    void progressOfAnotherRequestAtTheOffsetMeansStartAfresh() throws Exception {
        // For example a recreated topic: the committed progress names a different request at that offset.
        MockKafka kafka = restartedAfterProgress(new Progress(3, 4, "req-old").encode());
        WorkerLoop loop = kafka.startLoop(kafka.config(4).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 3, Requests.request("req-a", MockKafka.MODEL, 6).build());
        MockKafka.drain(loop, 20);
        assertEquals(
                List.of(-1, 0, 1, 2, 3, 4, 5),
                kafka.committedSamples().stream()
                        .map(ScoredSample::getSampleIndex)
                        .toList());
        assertEquals(0.0, kafka.meterCount("probeval.worker.requests.resumed"));
    }

    @Test
    void foreignOrMalformedMetadataMeansStartAfresh() throws Exception {
        for (String meta : List.of("", "written by another tool", Progress.PREFIX + "3 x req-a")) {
            MockKafka kafka = restartedAfterProgress(meta);
            WorkerLoop loop = kafka.startLoop(kafka.config(4).build(), MockKafka.P0);
            assertTrue(loop.recovery().progress(MockKafka.P0).isEmpty(), meta);
            kafka.addRequest(
                    MockKafka.P0,
                    3,
                    Requests.request("req-a", MockKafka.MODEL, 2).build());
            MockKafka.drain(loop, 20);
            assertEquals(
                    List.of(-1, 0, 1),
                    kafka.committedSamples().stream()
                            .map(ScoredSample::getSampleIndex)
                            .toList(),
                    meta);
        }
    }

    @Test
    void rewindSeeksEachPartitionToItsCommittedOffsetOrItsBeginningAndReloadsProgress() throws Exception {
        MockKafka kafka = restartedAfterProgress(new Progress(3, 2, "req-a").encode());
        kafka.consumer.updateBeginningOffsets(Map.of(MockKafka.P1, 5L));
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0, MockKafka.P1);
        Recovery recovery = new Recovery();
        kafka.consumer.seek(MockKafka.P0, 9);
        kafka.consumer.seek(MockKafka.P1, 9);
        recovery.rewind(kafka.consumer);
        assertEquals(3L, kafka.consumer.position(MockKafka.P0));
        assertEquals(5L, kafka.consumer.position(MockKafka.P1), "nothing committed: from the beginning");
        assertEquals(
                new Progress(3, 2, "req-a"), recovery.progress(MockKafka.P0).orElseThrow());
        assertTrue(recovery.progress(MockKafka.P1).isEmpty());
        assertTrue(loop.work().current() == null);
    }
}
