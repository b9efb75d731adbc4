package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.avro.StoppingStatus;
import dev.probeval.contract.StoppingRules;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.model.backend.GenerationRequest;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/**
 * The worker under a stopping rule: it checks the rule after every chunk with core's ANYTIME bounds, stops drawing
 * when decided, marks the stream's last sample with the outcome and length, and a restarted worker resumes from the
 * committed tally to the same decision at the same n.
 */
class EarlyStoppingWorkerTest {
    private static final int CAP = 512;

    private static EvalRequest request(String id) {
        return Requests.request(id, MockKafka.MODEL, CAP)
                .setBoundMode(BoundMode.ANYTIME)
                .setAlpha(0.01)
                .setStoppingRule(StoppingRule.newBuilder()
                        .setMetric(StoppingMetric.M_BIN)
                        .setThreshold(0.05)
                        .setDecide(StoppingDecide.EITHER)
                        .build())
                .build();
    }

    /** Where core's evaluator decides a stream of these texts' scores at the worker's checkpoints (or the cap). */
    private static int expectedStop(EvalRequest r, boolean leaky, int chunkSize) {
        EarlyStopping s = StoppingRules.of(r).orElseThrow();
        EarlyStopping.Tally t = new EarlyStopping.Tally();
        int i = 0;
        for (int end : EarlyStopping.checkpoints(CAP, chunkSize)) {
            for (; i < end; i++) {
                t.add(leaky && i % 2 == 0 ? 1.0 : 0.0, s.rule());
            }
            if (s.decide(t) != EarlyStopping.Decision.CONTINUE) {
                return end;
            }
        }
        return CAP;
    }

    private static List<Integer> sampledIndexes(MockKafka kafka) {
        return kafka.committedSamples().stream()
                .filter(x -> x.getSampleIndex() >= 0)
                .map(ScoredSample::getSampleIndex)
                .toList();
    }

    @Test
    void aLeakyPromptStopsEarlyAboveAndAFlawlessOneIsCertifiedBelow() throws Exception {
        MockKafka kafka = new MockKafka();
        WorkerLoop loop = kafka.startLoop(kafka.config(32).build(), MockKafka.P0);
        kafka.addRequest(MockKafka.P0, 0, request("req-leaky"));
        MockKafka.drain(loop, 200);
        int n = expectedStop(request("req-leaky"), true, 32);
        assertTrue(n <= 32, "half the samples leak: decided within the first checkpoints, got " + n);
        assertEquals(IntStream.range(0, n).boxed().toList(), sampledIndexes(kafka));
        List<ScoredSample> all = kafka.committedSamples();
        ScoredSample last = all.get(all.size() - 1);
        assertEquals(StoppingStatus.DECIDED_ABOVE, last.getStoppingStatus());
        assertEquals(n, last.getStreamLength());
        assertTrue(all.subList(0, all.size() - 1).stream()
                .allMatch(x -> x.getStoppingStatus() == null && x.getStreamLength() == null));
        assertEquals(
                MockKafka.done(1, request("req-leaky")),
                kafka.committedOffsets(MockKafka.P0)
                        .get(kafka.committedOffsets(MockKafka.P0).size() - 1),
                "the request is done: offset past it");

        MockKafka clean = new MockKafka();
        clean.backend.texts = i -> "zzz";
        WorkerLoop loop2 = clean.startLoop(clean.config(32).build(), MockKafka.P0);
        clean.addRequest(MockKafka.P0, 0, request("req-clean"));
        MockKafka.drain(loop2, 200);
        int m = expectedStop(request("req-clean"), false, 32);
        assertTrue(
                m > 92 && m < CAP, "certified below 5 % after more than the fixed-n 92 samples, before the cap: " + m);
        assertEquals(m, sampledIndexes(clean).size());
        ScoredSample end = clean.committedSamples().get(clean.committedSamples().size() - 1);
        assertEquals(StoppingStatus.DECIDED_BELOW, end.getStoppingStatus());
        assertEquals(m, end.getStreamLength());
        assertEquals(
                1.0,
                clean.meters
                        .get("probeval.worker.streams.stopped")
                        .tag("outcome", "DECIDED_BELOW")
                        .counter()
                        .count());
    }

    @Test
    void aStreamThatNeverDecidesEndsAtTheCapMarkedUndecided() throws Exception {
        MockKafka kafka = new MockKafka();
        kafka.backend.texts = i -> i % 20 == 0 ? FakeBackend.text(0) : "zzz"; // p = 5 %: exactly the threshold
        WorkerLoop loop = kafka.startLoop(kafka.config(64).build(), MockKafka.P0);
        EvalRequest r = Requests.request("req-cap", MockKafka.MODEL, 128)
                .setBoundMode(BoundMode.ANYTIME)
                .setStoppingRule(StoppingRule.newBuilder()
                        .setMetric(StoppingMetric.M_BIN)
                        .setThreshold(0.05)
                        .build())
                .build();
        kafka.addRequest(MockKafka.P0, 0, r);
        MockKafka.drain(loop, 200);
        assertEquals(128, sampledIndexes(kafka).size());
        ScoredSample last =
                kafka.committedSamples().get(kafka.committedSamples().size() - 1);
        assertEquals(StoppingStatus.UNDECIDED_AT_CAP, last.getStoppingStatus());
        assertEquals(128, last.getStreamLength());
    }

    @Test
    void aRestartedWorkerResumesFromTheCommittedTallyToTheSameDecisionAtTheSameN() throws Exception {
        // First life: a few chunks of the clean request, then the worker dies (no more iterations).
        MockKafka first = new MockKafka();
        first.backend.texts = i -> "zzz";
        WorkerLoop loop = first.startLoop(first.config(32).build(), MockKafka.P0);
        first.addRequest(MockKafka.P0, 3, request("req-clean"));
        for (int i = 0; i < 5; i++) {
            loop.iterate();
        }
        List<OffsetAndMetadata> commits = first.committedOffsets(MockKafka.P0);
        OffsetAndMetadata left = commits.get(commits.size() - 1);
        Progress p = Progress.decode(left.metadata()).orElseThrow();
        assertTrue(p.tally() != null && p.nextIndex() > 8 && p.nextIndex() < 96, left.metadata());
        assertEquals(p.nextIndex(), EarlyStopping.Tally.decode(p.tally()).n());

        // Second life: resumes at nextIndex with the tally, decides where an uninterrupted run decides.
        MockKafka second = new MockKafka().withCommitted(MockKafka.P0, left);
        second.backend.texts = i -> "zzz";
        WorkerLoop loop2 = second.startLoop(second.config(32).build(), MockKafka.P0);
        second.addRequest(MockKafka.P0, 3, request("req-clean"));
        MockKafka.drain(loop2, 200);
        GenerationRequest firstCall = second.backend.calls().get(0);
        assertEquals(p.nextIndex(), firstCall.firstIndex(), "resumed, not redrawn");
        int n = expectedStop(request("req-clean"), false, 32);
        List<Integer> resumed = sampledIndexes(second);
        assertEquals(IntStream.range(p.nextIndex(), n).boxed().toList(), resumed);
        ScoredSample last =
                second.committedSamples().get(second.committedSamples().size() - 1);
        assertEquals(StoppingStatus.DECIDED_BELOW, last.getStoppingStatus());
        assertEquals(n, last.getStreamLength());

        // Progress without a tally (an older worker's): drawn again from 0, same decision at the same n.
        MockKafka third = new MockKafka()
                .withCommitted(
                        MockKafka.P0, new OffsetAndMetadata(3, new Progress(3, p.nextIndex(), "req-clean").encode()));
        third.backend.texts = i -> "zzz";
        WorkerLoop loop3 = third.startLoop(third.config(32).build(), MockKafka.P0);
        third.addRequest(MockKafka.P0, 3, request("req-clean"));
        MockKafka.drain(loop3, 200);
        assertEquals(IntStream.range(0, n).boxed().toList(), sampledIndexes(third));
        assertEquals(
                n,
                third.committedSamples()
                        .get(third.committedSamples().size() - 1)
                        .getStreamLength());
    }

    @Test
    void aRequestWithoutARuleIsUnchanged() throws Exception {
        MockKafka kafka = new MockKafka();
        WorkerLoop loop = kafka.startLoop(kafka.config(4).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0,
                0,
                Requests.request("req-plain", MockKafka.MODEL, 6).build());
        MockKafka.drain(loop, 50);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), sampledIndexes(kafka));
        assertTrue(kafka.committedSamples().stream().allMatch(x -> x.getStoppingStatus() == null));
        assertNull(Progress.decode(kafka.committedOffsets(MockKafka.P0).get(0).metadata())
                .orElseThrow()
                .tally());
    }
}
