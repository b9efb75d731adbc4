package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.RequestLimits;
import dev.probeval.contract.RollupKey;
import dev.probeval.core.bounds.ScoreAccumulator;
import dev.probeval.core.bounds.SuiteBounds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one request contract on a TopologyTestDriver: every violation is exactly one dead letter with its reason code;
 * a request a worker refused ends REJECTED (no dead letter); requests differing in α, mode or decoding roll up
 * separately; a declared suite size fixes the Bonferroni share and reports completeness.
 */
class AggregatorContractTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private static EvalRequest request(String id, Consumer<EvalRequest.Builder> change) {
        EvalRequest.Builder b = EvalRequest.newBuilder(Records.request(id, 4));
        change.accept(b);
        return b.build();
    }

    private void assertOneDeadLetter(DeadLetterReason reason, String requestId) {
        List<DeadLetter> dls = fx.deadLetters.readValuesToList();
        assertEquals(1, dls.size(), () -> reason + ": " + dls);
        assertEquals(reason.code(), dls.get(0).getReasonCode());
        assertEquals(reason.name(), dls.get(0).getErrorClass());
        assertNull(fx.requestsStore().get(requestId), "a rejected request is not stored");
    }

    @Test
    void shouldDeadLetterEveryContractViolationExactlyOnceWithItsReasonCode() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(request("a", b -> b.setAlpha(0.7)));
        assertOneDeadLetter(DeadLetterReason.ALPHA_OUT_OF_RANGE, "a");
        fx.send(request("n0", b -> b.setNumSamples(0)));
        assertOneDeadLetter(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, "n0");
        fx.send(request("huge", b -> b.setNumSamples(Integer.MAX_VALUE)));
        assertOneDeadLetter(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, "huge");
        fx.send(request("bleu", b -> b.getScorerBuilder().setMetric("bleu")));
        assertOneDeadLetter(DeadLetterReason.UNKNOWN_METRIC, "bleu");
        fx.send(request("norefs", b -> b.setReferences(List.of())));
        assertOneDeadLetter(DeadLetterReason.MISSING_REFERENCES, "norefs");
        fx.send(request("hot", b -> b.getDecodingBuilder().setTopP(0)));
        assertOneDeadLetter(DeadLetterReason.DECODING_OUT_OF_RANGE, "hot");
        fx.send(request("q0", b -> b.setSuiteSize(0)));
        assertOneDeadLetter(DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE, "q0");
        fx.requests.pipeInput(TopologyFixture.key("raw"), "not avro".getBytes(StandardCharsets.UTF_8));
        List<DeadLetter> raw = fx.deadLetters.readValuesToList();
        assertEquals(1, raw.size());
        assertEquals("UNDESERIALIZABLE", raw.get(0).getReasonCode());
        fx.requests.pipeInput(
                TopologyFixture.key("other"),
                fx.requestSer.serialize("probeval.eval-requests.v1", Records.request("r9", 4)));
        assertOneDeadLetter(DeadLetterReason.KEY_MISMATCH, "other");
        // the documented metric name is accepted, and counting works
        fx.send(request("em", b -> b.getScorerBuilder().setMetric("exact_match")));
        fx.send(Records.sample("em", 0, 1.0));
        assertTrue(fx.deadLetters.isEmpty());
        assertEquals(1, fx.stateStore().get("em").n());
    }

    @Test
    void shouldApplyTheConfiguredLimits() {
        fx = TopologyFixture.start(
                stateDir,
                1,
                0,
                0,
                b -> b.setKafka(b.build().kafka().toBuilder()
                        .optRequestLimits(
                                RequestLimits.builder().optMaxNumSamples(3).build())
                        .build()));
        fx.send(Records.request("r", 4));
        assertOneDeadLetter(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, "r");
        assertEquals(1.0, fx.metrics.deadLetterCount(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE));
    }

    @Test
    void shouldEndARequestTheWorkerRefusedAsRejectedWithoutADeadLetter() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 4));
        fx.send(Records.rejected("r1", "UNKNOWN_MODEL_VERSION", "model version 'llama@3' is not configured"));
        assertTrue(fx.deadLetters.isEmpty());
        assertEquals(
                "UNKNOWN_MODEL_VERSION\tmodel version 'llama@3' is not configured",
                fx.rejectionsStore().get("r1"));
        assertNull(fx.stateStore().get("r1"), "a rejection is not a sample");
        assertEquals(1.0, fx.metrics.rejectedCount());
        // a second notice (another worker, a retry) changes nothing
        fx.send(Records.rejected("r1", "UNKNOWN_MODEL_VERSION", "model version 'llama@3' is not configured"));
        assertEquals(1.0, fx.metrics.rejectedCount());
        assertTrue(fx.deadLetters.isEmpty());

        // a notice that arrives before its request waits in the early-sample buffer like a sample
        fx.send(Records.rejected("r2", "MODEL_UNAVAILABLE", "cannot open"));
        assertNull(fx.rejectionsStore().get("r2"));
        fx.send(Records.request("r2", 4));
        assertEquals("MODEL_UNAVAILABLE\tcannot open", fx.rejectionsStore().get("r2"));
        assertTrue(fx.deadLetters.isEmpty());

        // re-sending the request with new parameters is a new attempt: the mark goes; a tombstone forgets it
        fx.send(request("r1", b -> b.setModelVersion("llama@4")));
        assertNull(fx.rejectionsStore().get("r1"));
        fx.requests.pipeInput(TopologyFixture.key("r2"), (byte[]) null);
        assertNull(fx.rejectionsStore().get("r2"));
    }

    @Test
    void shouldNeverMergeRequestsThatDifferInAlphaModeOrDecoding() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        List<EvalRequest> reqs = List.of(
                Records.request("base", "m", "s", "x", "p1", 2, 0.01, 0.5, BoundMode.SOUND),
                Records.request("alpha", "m", "s", "x", "p2", 2, 0.05, 0.5, BoundMode.SOUND),
                Records.request("mode", "m", "s", "x", "p3", 2, 0.01, 0.5, BoundMode.ANYTIME),
                request(
                        "hot",
                        b -> b.setModelVersion("m")
                                .setSuite("s")
                                .setSplit("x")
                                .setNumSamples(2)
                                .setAlpha(0.01)
                                .setBoundMode(BoundMode.SOUND)
                                .setDecoding(b.getDecodingBuilder()
                                        .setTemperature(0.7)
                                        .build())),
                Records.request("same", "m", "s", "x", "p5", 2, 0.01, 0.5, BoundMode.SOUND));
        for (EvalRequest r : reqs) {
            fx.send(r);
            fx.send(Records.sample(r.getRequestId(), 0, 0.5));
            fx.send(Records.sample(r.getRequestId(), 1, 0.5));
        }
        List<String> keys = new ArrayList<>();
        fx.modelStore().all().forEachRemaining(kv -> keys.add(kv.key));
        assertEquals(4, keys.size(), "groups: " + keys);
        ModelVersionBounds base = fx.modelStore().get(RollupKey.of(reqs.get(0)));
        assertEquals(2, base.getPromptsSeen(), "base and same share every parameter");
        ModelVersionBounds alpha = fx.modelStore().get(RollupKey.of(reqs.get(1)));
        assertEquals(0.05, alpha.getAlpha());
        assertEquals(1, alpha.getPromptsSeen());
        assertEquals(
                BoundMode.ANYTIME,
                fx.modelStore().get(RollupKey.of(reqs.get(2))).getMode());
        ModelVersionBounds hot = fx.modelStore().get(RollupKey.of(reqs.get(3)));
        assertNotNull(hot);
        assertFalse(hot.getDecodingHash().equals(base.getDecodingHash()));
    }

    @Test
    void shouldFixTheShareAtAlphaOverTheDeclaredSuiteSizeAndMatchSuiteBoundsWhenComplete() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        double[][] scores = {{0.1, 0.2, 0.3, 0.9}, {0.0, 0.0, 0.5, 0.5}, {1.0, 0.8, 0.6, 0.4}};
        List<ScoreAccumulator> accs = new ArrayList<>();
        String group = null;
        for (int r = 0; r < scores.length; r++) {
            EvalRequest req = EvalRequest.newBuilder(
                            Records.request("s" + r, "m", "suite", "forget", "p" + r, 4, 0.01, 0.5, BoundMode.SOUND))
                    .setSuiteSize(3)
                    .build();
            group = RollupKey.of(req);
            fx.send(req);
            for (int i = 0; i < 4; i++) {
                fx.send(Records.sample("s" + r, i, scores[r][i]));
            }
            accs.add(ScoreAccumulator.of(scores[r]));
            ModelVersionBounds mvb = fx.modelStore().get(group);
            assertEquals(3, mvb.getSuiteSize());
            assertEquals(r == 2, mvb.getComplete(), "complete only with all 3 prompts in, after prompt " + r);
            if (r == 0) {
                // one prompt seen, but the share is already alpha/3
                double perPrompt =
                        RequestAccumulator.fromBytes(accs.get(0).toBytes()).mMu(0.01 / 3, BoundMode.SOUND, 4);
                assertEquals(perPrompt, mvb.getSuiteBound(), 0);
            }
        }
        ModelVersionBounds done = fx.modelStore().get(group);
        SuiteBounds ref = SuiteBounds.compute(accs, RequestAccumulator.config(0.01, 0.5, BoundMode.SOUND, 1.0, 4));
        assertEquals(3, done.getPromptsSeen());
        assertEquals(ref.meanMu(), done.getSuiteBound(), 1e-15);
        assertEquals(ref.perPromptAlpha(), 0.01 / 3, 0);
    }
}
