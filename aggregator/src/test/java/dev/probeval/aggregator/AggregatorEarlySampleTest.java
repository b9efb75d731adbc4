package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Samples that arrive before their request (TopologyTestDriver): they are buffered in the changelogged
 * early-samples store, counted in arrival order when the request arrives, and end with exactly the bounds of the
 * in-order run; plus the object caches staying coherent with request tombstones and re-sends.
 */
class AggregatorEarlySampleTest {
    @TempDir
    Path inOrderDir;

    @TempDir
    Path earlyDir;

    private static final Instant FIXED = Instant.ofEpochMilli(Records.T0 + 60_000);

    /** Each request's FINAL bounds, with the emission time (the only field that depends on when it ran) fixed. */
    private static Map<String, PromptBounds> finalBounds(TopologyFixture fx) {
        Map<String, PromptBounds> out = new HashMap<>();
        for (var kv : fx.promptBounds.readKeyValuesToList()) {
            if (kv.value.getStatus() == BoundsStatus.FINAL) {
                kv.value.setUpdatedAt(FIXED);
                out.put(kv.key, kv.value);
            }
        }
        return out;
    }

    @Test
    void shouldCountSamplesThatArriveBeforeTheirRequestExactlyAsInOrder() {
        List<EvalRequest> reqs = Records.requests("r", "llama@3", 3, 40);
        List<ScoredSample> samples = Records.interleavedSamples(reqs);

        try (TopologyFixture inOrder = TopologyFixture.start(inOrderDir, 10, 0, 0);
                TopologyFixture early = TopologyFixture.start(earlyDir, 10, 0, 0)) {
            reqs.forEach(inOrder::send);
            samples.forEach(inOrder::send);

            // r0: every sample before the request; r1: the first half before; r2: in order
            int half = samples.size() / 2;
            early.send(reqs.get(2));
            for (int i = 0; i < samples.size(); i++) {
                ScoredSample s = samples.get(i);
                if (i == half) {
                    early.send(reqs.get(1));
                }
                early.send(s);
            }
            assertTrue(early.metrics.earlySamplesBuffered() > 40, "r0's samples wait for their request");
            assertEquals(
                    0,
                    early.stateStore().get("r0") == null
                            ? 0
                            : early.stateStore().get("r0").n());
            early.send(reqs.get(0));
            assertEquals(0, early.metrics.earlySamplesBuffered());
            assertEquals(0, early.earlyStore().approximateNumEntries());
            assertTrue(early.deadLetters.isEmpty());

            for (EvalRequest r : reqs) {
                String id = r.getRequestId();
                RequestState a = inOrder.stateStore().get(id);
                RequestState b = early.stateStore().get(id);
                assertEquals(40, b.n());
                assertEquals(a.k(), b.k());
                assertEquals(a.greedyScore(), b.greedyScore());
                assertArrayEquals(a.accumulator().toBytes(), b.accumulator().toBytes(), id);
            }
            Map<String, PromptBounds> expected = finalBounds(inOrder);
            Map<String, PromptBounds> actual = finalBounds(early);
            for (EvalRequest r : reqs) {
                assertNotNull(expected.get(r.getRequestId()), "in-order FINAL of " + r.getRequestId());
                assertEquals(expected.get(r.getRequestId()), actual.get(r.getRequestId()), r.getRequestId());
            }
        }
    }

    @Test
    void shouldKeepEarlySamplesInAChangeloggedStoreUntilTheRequestArrives() {
        try (TopologyFixture fx = TopologyFixture.start(earlyDir, 1, 0, 0)) {
            fx.send(Records.sample("r1", 3, 0.5));
            fx.send(Records.sample("r1", 4, 0.7));
            assertEquals(2, fx.earlyStore().approximateNumEntries());
            assertTrue(
                    fx.driver.producedTopicNames().contains("agg-test-early-samples-store-changelog"),
                    () -> "changelog topics: " + fx.driver.producedTopicNames());
            // a sample arriving later (after the wall-clock check ran) is still counted once the request comes
            fx.driver.advanceWallClockTime(java.time.Duration.ofSeconds(5));
            assertEquals(2, fx.metrics.earlySamplesBuffered());
            fx.send(Records.request("r1", 5));
            RequestState s = fx.stateStore().get("r1");
            assertEquals(2, s.n());
            assertTrue(s.hasSeen(3) && s.hasSeen(4));
            assertEquals(0, fx.earlyStore().approximateNumEntries());
        }
    }

    @Test
    void shouldForgetCachedStateWhenARequestIsTombstonedAndSentAgain() {
        try (TopologyFixture fx = TopologyFixture.start(earlyDir, 1, 0, 0)) {
            fx.send(Records.request("r1", 5));
            fx.send(Records.sample("r1", 0, 0.5));
            fx.send(Records.sample("r1", 1, 0.5));
            assertEquals(2, fx.stateStore().get("r1").n());
            fx.requests.pipeInput(TopologyFixture.key("r1"), (byte[]) null);
            fx.send(Records.request("r1", 5));
            fx.send(Records.sample("r1", 0, 0.5));
            assertEquals(1, fx.stateStore().get("r1").n(), "a tombstone resets the state, also the cached one");
        }
    }
}
