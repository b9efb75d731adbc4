package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.contract.RollupKey;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import dev.probeval.core.bounds.SuiteBounds;
import dev.probeval.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TopologyTestDriver tests of the aggregator's counting, emission and roll-up paths, asserting on outputs and on store
 * contents (dead letters: {@link AggregatorDeadLetterTest}; shared harness: {@link TopologyFixture}).
 */
class AggregatorTopologyTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void shouldAccumulateSamplesIntoRequestStateAndEmitProvisionalBounds() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 5));
        fx.send(Records.sample("r1", 0, 0.2));
        fx.send(Records.sample("r1", 1, 0.6));
        fx.send(Records.sample("r1", 2, 0.4));

        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(3, out.size());
        PromptBounds last = out.get(2);
        assertEquals(3, last.getN());
        assertEquals(5, last.getTargetN());
        assertEquals(1, last.getK());
        assertEquals(0.4, last.getMean(), 1e-12);
        assertEquals(0.6, last.getMaxSampledScore(), 0);
        assertEquals(BoundsStatus.PROVISIONAL, last.getStatus());
        assertEquals("llama@3", last.getModelVersion());

        RequestState state = fx.stateStore().get("r1");
        assertEquals(3, state.n());
        assertEquals(1, state.k());
        assertTrue(state.hasSeen(0) && state.hasSeen(1) && state.hasSeen(2));
        assertFalse(state.hasSeen(3));
        assertFalse(state.pending());
        assertNotNull(fx.requestsStore().get("r1"));
        assertTrue(fx.deadLetters.isEmpty());
    }

    @Test
    void shouldEmitFinalBoundExactlyWhenTargetSampleCountReached() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        fx.send(Records.request("r1", 4));
        for (int i = 0; i < 3; i++) {
            fx.send(Records.sample("r1", i, 0.1 * i));
        }
        assertTrue(fx.promptBounds.isEmpty(), "no emission before the target with count/time emission off");
        fx.send(Records.sample("r1", 3, 0.3));
        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(1, out.size());
        assertEquals(BoundsStatus.FINAL, out.get(0).getStatus());
        assertEquals(4, out.get(0).getN());
        assertEquals(0.15, out.get(0).getMean(), 1e-12);
        assertEquals(4, fx.stateStore().get("r1").n());
    }

    @Test
    void shouldCountARedeliveredOrReproducedSampleOnce() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 3));
        fx.send(Records.sample("r1", 0, 0.9));
        fx.send(Records.sample("r1", 0, 0.9));
        fx.send(Records.sample("r1", 0, 0.1, "another-worker"));
        fx.send(Records.sample("r1", 1, 0.1));
        fx.send(Records.greedy("r1", 0.2));
        fx.send(Records.greedy("r1", 0.7));

        RequestState state = fx.stateStore().get("r1");
        assertEquals(2, state.n());
        assertEquals(1, state.k());
        assertEquals(0.2, state.greedyScore(), 0);
        assertEquals(0.9, state.maxSampledScore(), 0);
        assertEquals(3.0, fx.metrics.duplicateCount());
        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(3, out.size(), "one emission per counted sample plus the greedy baseline");
        assertEquals(0.5, out.get(2).getMean(), 1e-12);
        assertTrue(fx.deadLetters.isEmpty(), "duplicates are not bad records");
    }

    @Test
    void shouldFlagHiddenLeakWhenGreedyBelowTauButASampleAtOrAboveTau() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 10));
        fx.send(Records.greedy("r1", 0.1));
        fx.send(Records.sample("r1", 0, 0.3));
        assertFalse(fx.promptBounds.readValuesToList().get(1).getHiddenLeak());
        fx.send(Records.sample("r1", 1, 0.5)); // exactly tau: leaks (score >= tau)
        PromptBounds pb = fx.promptBounds.readValuesToList().get(0);
        assertTrue(pb.getHiddenLeak());
        assertEquals(1, pb.getK());
        assertEquals(0.1, pb.getGreedyScore(), 0);

        fx.send(Records.request("r2", 10));
        fx.send(Records.greedy("r2", 0.8));
        fx.send(Records.sample("r2", 0, 0.9));
        List<PromptBounds> r2 = fx.promptBounds.readValuesToList();
        assertFalse(r2.get(r2.size() - 1).getHiddenLeak(), "greedy already leaks: nothing hidden");
    }

    @Test
    void shouldReportAnytimeStatusInAnytimeMode() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", "m", "s", "x", "p", 2, 0.05, 0.5, BoundMode.ANYTIME));
        fx.send(Records.sample("r1", 0, 0.2));
        fx.send(Records.sample("r1", 1, 0.2));
        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(2, out.size());
        assertTrue(out.stream().allMatch(p -> p.getStatus() == BoundsStatus.ANYTIME));
    }

    @Test
    void shouldEmitPendingUpdatesOnWallClockPunctuation() {
        fx = TopologyFixture.start(stateDir, 0, 1000, 0);
        fx.send(Records.request("r1", 10));
        fx.send(Records.sample("r1", 0, 0.2));
        fx.send(Records.sample("r1", 1, 0.4));
        assertTrue(fx.promptBounds.isEmpty());
        assertTrue(fx.stateStore().get("r1").pending());
        fx.driver.advanceWallClockTime(Duration.ofMillis(1000));
        List<PromptBounds> out = fx.promptBounds.readValuesToList();
        assertEquals(1, out.size());
        assertEquals(2, out.get(0).getN());
        assertFalse(fx.stateStore().get("r1").pending());
        fx.driver.advanceWallClockTime(Duration.ofMillis(1000));
        assertTrue(fx.promptBounds.isEmpty(), "nothing new: nothing emitted");
    }

    @Test
    void shouldRollUpPromptBoundsPerModelVersionSuiteAndSplit() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        fx.send(Records.request("a", "m1", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.request("b", "m1", "tofu", "forget", "p2", 2, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.request("c", "m1", "tofu", "retain", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.sample("a", 0, 0.2));
        fx.send(Records.sample("a", 1, 0.4)); // a FINAL, mean 0.3
        fx.send(Records.greedy("b", 0.0));
        fx.send(Records.sample("b", 0, 0.8)); // b provisional (n=1 of 2) only emitted with greedy... see below
        fx.send(Records.sample("b", 1, 1.0)); // b FINAL, mean 0.9, hidden leak (greedy 0 < 0.5 <= 1.0)
        fx.send(Records.sample("c", 0, 0.0));
        fx.send(Records.sample("c", 1, 0.0));

        Map<String, ModelVersionBounds> latest = fx.modelBounds.readKeyValuesToMap();
        String forgetKey =
                RollupKey.of(Records.request("a", "m1", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        String retainKey =
                RollupKey.of(Records.request("c", "m1", "tofu", "retain", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        assertTrue(forgetKey.startsWith(Topics.modelBoundsKey("m1", "tofu", "forget") + "|CONBO|0.01|-|"), forgetKey);
        ModelVersionBounds forget = latest.get(forgetKey);
        assertEquals(2, forget.getPromptsSeen());
        assertEquals(2, forget.getPromptsFinal());
        assertEquals(1, forget.getHiddenLeakCount());
        assertEquals(0.6, forget.getMeanSampledScore(), 1e-12);
        assertEquals(0.0, forget.getMeanGreedyScore(), 0);
        ModelVersionBounds retain = latest.get(retainKey);
        assertEquals(1, retain.getPromptsSeen());
        assertNull(retain.getMeanGreedyScore());
        assertEquals(0.0, retain.getMeanSampledScore(), 0);

        KeyValueStore<String, ModelVersionBounds> store = fx.modelStore();
        assertEquals(forget.toString(), store.get(forgetKey).toString());
        assertEquals(retain.toString(), store.get(retainKey).toString());
        KeyValueStore<String, RollupEntry> entries = fx.rollupEntriesStore();
        assertEquals(
                BoundsStatus.FINAL,
                entries.get(RollupProcessor.entryKey(forgetKey, "b")).bounds().getStatus());
    }

    @Test
    void shouldEmitModelRollupsOnPunctuationWhenAnIntervalIsSet() {
        fx = TopologyFixture.start(stateDir, 1, 0, 500);
        fx.send(Records.request("a", 3));
        fx.send(Records.sample("a", 0, 0.2));
        fx.send(Records.sample("a", 1, 0.4));
        assertTrue(fx.modelBounds.isEmpty());
        fx.driver.advanceWallClockTime(Duration.ofMillis(500));
        List<ModelVersionBounds> out = fx.modelBounds.readValuesToList();
        assertEquals(1, out.size(), "two prompt updates, one roll-up");
        assertEquals(0.3, out.get(0).getMeanSampledScore(), 1e-12);
    }

    @Test
    void shouldReportExactlyTheMetricsOfCoresCalculatorOnTheCountedScores() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        double[] scores = {0.0, 0.25, 0.5, 1.0, 0.75, 0.5, 0.0, 0.125};
        for (BoundMode mode : BoundMode.values()) {
            String id = "r-" + mode;
            fx.send(Records.request(id, "m", "s", "x", "p", scores.length, 0.05, 0.5, mode));
            for (int i = 0; i < scores.length; i++) {
                fx.send(Records.sample(id, i, scores[i]));
            }
            fx.send(Records.sample(id, 0, 0.9)); // duplicate: must not change anything
            fx.driver.advanceWallClockTime(Duration.ofMillis(1));
        }
        Map<String, PromptBounds> latest = fx.promptBounds.readKeyValuesToMap();
        for (BoundMode mode : BoundMode.values()) {
            PromptBounds pb = latest.get("r-" + mode);
            BoundReport ref = Bounds.compute(
                    ScoreAccumulator.of(scores), RequestAccumulator.config(0.05, 0.5, mode, 1.0, scores.length));
            assertEquals(ref.mMu(), pb.getMMu(), 0, mode + " M_mu");
            assertEquals(ref.mMuLower(), pb.getMMuLower(), 0, mode + " M_mu lower");
            assertEquals(ref.mSigma(), pb.getMSigma(), 0, mode + " M_sigma");
            assertEquals(ref.mBin(), pb.getMBin(), 0, mode + " M_bin");
            assertEquals(ref.mGen().get(0.5), pb.getMGen(), 0, mode + " M_gen");
            assertEquals(ref.mEd(), pb.getMEd(), 0, mode + " M_ED");
            assertEquals(ref.k(), pb.getK(), mode + " k");
            assertEquals(ref.mean(), pb.getMean(), 0);
            assertTrue(
                    pb.getMGenLower() <= 3.0 / 8 && pb.getMGenLower() >= 0,
                    "P(X > 0.5) = 3/8 lies above its lower bound");
            assertEquals(mode == BoundMode.ANYTIME ? BoundsStatus.ANYTIME : BoundsStatus.FINAL, pb.getStatus());
        }
    }

    @Test
    void shouldComputeTheSuiteBoundAtAlphaOverQForEveryPrompt() {
        fx = TopologyFixture.start(stateDir, 0, 0, 0);
        double[][] scores = {{0.1, 0.2, 0.3, 0.9}, {0.0, 0.0, 0.5, 0.5}, {1.0, 0.8, 0.6, 0.4}};
        List<ScoreAccumulator> accs = new ArrayList<>();
        for (int r = 0; r < scores.length; r++) {
            fx.send(Records.request("s" + r, "m", "suite", "forget", "p" + r, 4, 0.01, 0.5, BoundMode.SOUND));
            for (int i = 0; i < 4; i++) {
                fx.send(Records.sample("s" + r, i, scores[r][i]));
            }
            accs.add(ScoreAccumulator.of(scores[r]));
        }
        ModelVersionBounds mvb = fx.modelStore()
                .get(RollupKey.of(Records.request("s0", "m", "suite", "forget", "p0", 4, 0.01, 0.5, BoundMode.SOUND)));
        assertEquals(0.01, mvb.getAlpha());
        assertEquals(BoundMode.SOUND, mvb.getMode());
        assertNull(mvb.getSuiteSize());
        assertFalse(mvb.getComplete(), "no declared suite size: never complete");
        SuiteBounds ref = SuiteBounds.compute(accs, RequestAccumulator.config(0.01, 0.5, BoundMode.SOUND, 1.0, 4));
        assertEquals(3, mvb.getPromptsSeen());
        assertEquals(ref.meanMu(), mvb.getSuiteBound(), 1e-15);
        assertTrue(mvb.getSuiteBound() >= mvb.getMeanMMu(), "alpha/Q bounds are wider than the per-prompt ones");
        double maxBin = 0;
        for (double[] s : scores) {
            maxBin = Math.max(
                    maxBin,
                    Bounds.compute(
                                    ScoreAccumulator.of(s),
                                    RequestAccumulator.config(0.01, 0.5, BoundMode.SOUND, 1.0, 4))
                            .mBin());
        }
        assertEquals(maxBin, mvb.getMaxMBin(), 0);
    }

    @Test
    void shouldReportVacuousBoundsForAGreedyBaselineBeforeAnySample() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 4));
        fx.send(Records.greedy("r1", 0.3));
        PromptBounds pb = fx.promptBounds.readValue();
        assertEquals(0, pb.getN());
        assertEquals(1.0, pb.getMMu(), 0);
        assertEquals(1.0, pb.getMBin(), 0);
        assertEquals(0.3, pb.getGreedyScore(), 0);
        assertTrue(fx.modelBounds.isEmpty(), "a prompt with no counted sample is not 'seen'");
    }

    @Test
    void shouldNameEveryProcessorStoreAndRepartitionTopic() {
        AggregatorConfig config = AggregatorConfig.builder()
                .setKafka(AggregatorConfig.kafkaBuilder()
                        .setBootstrapServers("dummy:9092")
                        .optSchemaRegistryUrl("mock://naming")
                        .build())
                .build();
        String description = AggregatorTopology.build(config).describe().toString();
        assertFalse(description.contains("KSTREAM-"), description);
        assertFalse(description.contains("KTABLE-"), description);
        for (String store : List.of(
                AggregatorTopology.REQUESTS_STORE,
                AggregatorTopology.REQUEST_STATE_STORE,
                AggregatorTopology.MODEL_REQUESTS_STORE,
                AggregatorTopology.MODEL_BOUNDS_STORE)) {
            assertTrue(description.contains(store), store);
        }
        assertTrue(description.contains("model-rollup-repartition"), description);
    }
}
