package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.avro.StoppingStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping in the topology: the worker's last sample of a stopped stream fixes the n at which the request is
 * complete; the aggregator emits it with its outcome, never counts a sample past it, and the roll-up counts it final.
 */
class AggregatorEarlyStoppingTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private static EvalRequest ruled(String id, int cap) {
        EvalRequest r = Records.request(id, "llama@3", "tofu", "forget", "q-" + id, cap, 0.01, 0.5, BoundMode.ANYTIME);
        r.setStoppingRule(StoppingRule.newBuilder()
                .setMetric(StoppingMetric.M_BIN)
                .setThreshold(0.05)
                .build());
        r.setSuiteSize(1);
        return r;
    }

    private static ScoredSample last(String id, int index, double score, StoppingStatus status) {
        ScoredSample s = Records.sample(id, index, score);
        s.setStoppingStatus(status);
        s.setStreamLength(index + 1);
        return s;
    }

    @Test
    void aDecidedStreamIsCompleteAtItsNAndNothingPastItIsCounted() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        fx.send(ruled("r1", 512));
        for (int i = 0; i < 15; i++) {
            fx.send(Records.sample("r1", i, i % 2 == 0 ? 1.0 : 0.0));
        }
        assertTrue(fx.promptBounds.isEmpty(), "not complete before the stream's end");
        fx.send(last("r1", 15, 0.0, StoppingStatus.DECIDED_ABOVE));
        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(1, out.size());
        PromptBounds pb = out.get(0);
        assertEquals(16, pb.getN());
        assertEquals(512, pb.getTargetN());
        assertEquals(BoundsStatus.ANYTIME, pb.getStatus());
        assertEquals(StoppingStatus.DECIDED_ABOVE, pb.getStoppingStatus());
        assertEquals(16, pb.getDecidedAtN());
        assertEquals(8, pb.getK());
        RequestState state = fx.stateStore().get("r1");
        assertEquals(16, state.streamLength());
        assertEquals(16, state.completeAt());
        assertEquals(StoppingStatus.DECIDED_ABOVE, state.stoppingStatus());

        // a late sample past the end, a re-drawn last sample, another outcome: none changes anything
        fx.send(Records.sample("r1", 16, 1.0));
        fx.send(Records.sample("r1", 300, 1.0));
        fx.send(last("r1", 15, 0.0, StoppingStatus.DECIDED_ABOVE));
        fx.send(last("r1", 40, 0.0, StoppingStatus.DECIDED_BELOW));
        assertTrue(fx.promptBounds.isEmpty());
        assertEquals(16, fx.stateStore().get("r1").n());
        assertEquals(16, fx.stateStore().get("r1").streamLength());
        assertTrue(fx.deadLetters.isEmpty());

        ModelVersionBounds mvb = fx.modelStore().all().next().value;
        assertEquals(1, mvb.getPromptsFinal(), "a decided prompt is final in the roll-up");
        assertTrue(mvb.getComplete());
    }

    @Test
    void anUndecidedStreamEndsAtTheCapAndTheOutcomeMayRideOnAnAlreadyCountedSample() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        fx.send(ruled("r2", 4));
        for (int i = 0; i < 4; i++) {
            fx.send(Records.sample("r2", i, 0.3));
        }
        // without the outcome record the cap alone completes the request; its status is not known yet
        PromptBounds atCap = fx.promptBounds.readValuesToList().get(0);
        assertEquals(4, atCap.getN());
        assertNull(atCap.getStoppingStatus());
        fx.send(last("r2", 3, 0.3, StoppingStatus.UNDECIDED_AT_CAP)); // the worker's record, re-delivered
        PromptBounds pb = fx.promptBounds.readValuesToList().get(0);
        assertEquals(StoppingStatus.UNDECIDED_AT_CAP, pb.getStoppingStatus());
        assertEquals(4, pb.getDecidedAtN());
        assertEquals(4, fx.stateStore().get("r2").n());
    }

    @Test
    void anOutcomeOnARequestWithoutARuleIsIgnored() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        fx.send(Records.request("r3", "llama@3", "tofu", "forget", "q-r3", 8, 0.01, 0.5, BoundMode.ANYTIME));
        fx.send(last("r3", 0, 1.0, StoppingStatus.DECIDED_ABOVE));
        fx.send(Records.sample("r3", 1, 1.0));
        assertEquals(0, fx.stateStore().get("r3").streamLength());
        assertEquals(2, fx.stateStore().get("r3").n());
        assertTrue(fx.promptBounds.isEmpty(), "complete only at its numSamples");
    }

    @Test
    void theStreamEndSurvivesTheStateStoresBinaryForm() {
        RequestState s = RequestState.create(64);
        for (int i = 0; i < 10; i++) {
            s.addSample(i, 0.1, false, 5);
        }
        byte[] before = s.toBytes();
        assertEquals(0, RequestState.fromBytes(before).streamLength(), "a state without an end reads as undecided");
        assertTrue(s.endStream(10, StoppingStatus.DECIDED_BELOW));
        assertTrue(!s.endStream(12, StoppingStatus.DECIDED_ABOVE), "the first outcome is final");
        RequestState back = RequestState.fromBytes(s.toBytes());
        assertEquals(10, back.streamLength());
        assertEquals(StoppingStatus.DECIDED_BELOW, back.stoppingStatus());
        assertEquals(10, back.n());
        assertTrue(back.pastStreamEnd(10) && !back.pastStreamEnd(9));
        assertTrue(!RequestState.create(64).endStream(65, StoppingStatus.DECIDED_BELOW), "longer than the cap");
    }
}
