package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.Topics;
import dev.probeval.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dead-letter reason of the aggregator on a TopologyTestDriver: the dead letter's bytes, source
 * topic/partition/offset and reason, the metric, and that counting continues after the bad record.
 */
class AggregatorDeadLetterTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private DeadLetter onlyDeadLetter(DeadLetterReason reason) {
        List<DeadLetter> dls = fx.deadLetters.readValuesToList();
        assertEquals(1, dls.size(), () -> "dead letters: " + dls);
        DeadLetter dl = dls.get(0);
        assertEquals(1.0, fx.metrics.deadLetterCount(reason));
        return dl;
    }

    /** After a bad record the aggregator keeps going: the next good sample counts. */
    private void assertStillCounting(String requestId, int index, int expectedN) {
        fx.send(Records.sample(requestId, index, 0.5));
        assertEquals(expectedN, fx.stateStore().get(requestId).n());
    }

    @Test
    void shouldDeadLetterUndeserializableSampleBytesAndKeepGoing() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 5));
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        fx.samples.pipeInput(TopologyFixture.key("r1"), garbage);
        DeadLetter dl = onlyDeadLetter(DeadLetterReason.UNDESERIALIZABLE);
        assertEquals(Topics.SAMPLES.name(), dl.getSourceTopic());
        assertEquals(0, dl.getSourcePartition());
        assertEquals(0L, dl.getSourceOffset());
        assertArrayEquals(garbage, TopologyFixture.bytes(dl.getValue()));
        assertArrayEquals(TopologyFixture.key("r1"), TopologyFixture.bytes(dl.getKey()));
        assertTrue(dl.getErrorClass().endsWith("AvroDeserializationException"), dl.getErrorClass());
        assertTrue(dl.getReason().contains("BAD_MAGIC_BYTE"), dl.getReason());
        assertStillCounting("r1", 0, 1);
    }

    @Test
    void shouldDeadLetterUnknownSchemaId() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 5));
        byte[] framed = WireFormat.frame(987_654, new byte[] {2, 4, 6});
        fx.samples.pipeInput(TopologyFixture.key("r1"), framed);
        DeadLetter dl = onlyDeadLetter(DeadLetterReason.UNKNOWN_SCHEMA_ID);
        assertTrue(dl.getReason().contains("987654"), dl.getReason());
        assertArrayEquals(framed, TopologyFixture.bytes(dl.getValue()));
        assertStillCounting("r1", 0, 1);
    }

    @Test
    void shouldDeadLetterNaNScore() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 5));
        fx.send(Records.sample("r1", 0, Double.NaN));
        DeadLetter dl = onlyDeadLetter(DeadLetterReason.SCORE_NOT_FINITE);
        assertEquals("SCORE_NOT_FINITE", dl.getErrorClass());
        assertTrue(dl.getReason().contains("NaN"), dl.getReason());
        assertNull(fx.stateStore().get("r1"));
        assertStillCounting("r1", 0, 1);
    }

    @Test
    void shouldDeadLetterScoreOutsideUnitInterval() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 5));
        fx.send(Records.sample("r1", 0, 1.5));
        DeadLetter dl = onlyDeadLetter(DeadLetterReason.SCORE_OUT_OF_RANGE);
        assertTrue(dl.getReason().contains("1.5"), dl.getReason());
        fx.send(Records.sample("r1", 1, -0.01));
        assertEquals(1, fx.deadLetters.readValuesToList().size());
        assertStillCounting("r1", 0, 1);
    }

    @Test
    void shouldDeadLetterSampleForUnknownRequestOnceItsBufferDeadlinePasses() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0, b -> b.optEarlySampleTimeoutMs(5_000));
        fx.send(Records.sample("ghost", 0, 0.5));
        // buffered first: the request may still come
        assertTrue(fx.deadLetters.isEmpty());
        assertEquals(1, fx.metrics.earlySamplesBuffered());
        fx.driver.advanceWallClockTime(java.time.Duration.ofMillis(4_000));
        assertTrue(fx.deadLetters.isEmpty());
        fx.driver.advanceWallClockTime(java.time.Duration.ofMillis(1_500));
        var kv = fx.deadLetters.readKeyValue();
        assertEquals(0, fx.metrics.earlySamplesBuffered());
        assertEquals(0, fx.earlyStore().approximateNumEntries());
        assertTrue(fx.deadLetters.isEmpty());
        assertEquals(Topics.deadLetterKey(Topics.SAMPLES.name(), 0, 0), kv.key);
        assertEquals(1.0, fx.metrics.deadLetterCount(DeadLetterReason.EARLY_SAMPLE_EXPIRED));
        assertTrue(
                kv.value.getReason().contains("ghost") && kv.value.getReason().contains("5000 ms"),
                kv.value.getReason());
        assertEquals(Topics.SAMPLES.name(), kv.value.getSourceTopic());
        assertEquals(0L, kv.value.getSourceOffset());
        assertNull(fx.stateStore().get("ghost"));
    }

    @Test
    void shouldDeadLetterSampleForUnknownRequestAtOnceWhenTheEarlyBufferIsFull() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0, b -> b.optEarlySampleBufferMax(2));
        fx.send(Records.sample("ghost", 0, 0.5));
        fx.send(Records.sample("ghost", 1, 0.5));
        assertTrue(fx.deadLetters.isEmpty());
        fx.send(Records.sample("ghost", 2, 0.5));
        var kv = fx.deadLetters.readKeyValue();
        assertEquals(Topics.deadLetterKey(Topics.SAMPLES.name(), 0, 2), kv.key);
        assertTrue(kv.value.getReason().contains("buffer is full"), kv.value.getReason());
        assertEquals(2, fx.metrics.earlySamplesBuffered());
    }

    @Test
    void shouldDeadLetterSampleForUnknownRequestAtOnceWhenBufferingIsOff() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0, b -> b.optEarlySampleBufferMax(0));
        fx.send(Records.sample("ghost", 0, 0.5));
        assertEquals(1.0, fx.metrics.deadLetterCount(DeadLetterReason.UNKNOWN_REQUEST));
        assertEquals(Topics.deadLetterKey(Topics.SAMPLES.name(), 0, 0), fx.deadLetters.readKeyValue().key);
    }

    @Test
    void shouldDeadLetterRequestWithAlphaOutOfRange() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", "m", "s", "x", "p", 5, 0.7, 0.5, BoundMode.CONBO));
        DeadLetter dl = onlyDeadLetter(DeadLetterReason.ALPHA_OUT_OF_RANGE);
        assertEquals(Topics.EVAL_REQUESTS.name(), dl.getSourceTopic());
        assertTrue(dl.getReason().contains("0.7"), dl.getReason());
        assertNull(fx.requestsStore().get("r1"));
        fx.send(Records.request("r2", "m", "s", "x", "p", 5, 0.0, 0.5, BoundMode.CONBO));
        assertEquals(1, fx.deadLetters.readValuesToList().size(), "alpha = 0 is out of range too");
    }

    @Test
    void shouldDeadLetterRequestsThatAreInvalidOrConflicting() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 0));
        onlyDeadLetter(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE);
        fx.send(Records.request("r2", 4));
        fx.send(Records.sample("r2", 0, 0.5));
        fx.send(Records.request("r2", 4)); // same parameters: idempotent
        assertTrue(fx.deadLetters.isEmpty());
        fx.send(Records.request("r2", 8)); // changes n after a sample was counted
        DeadLetter dl = fx.deadLetters.readValuesToList().get(0);
        assertEquals("CONFLICTING_REQUEST", dl.getErrorClass());
        assertEquals(4, fx.requestsStore().get("r2").getNumSamples());
    }

    @Test
    void shouldDeadLetterMissingKeyKeyMismatchBadIndexAndForeignSampleId() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("r1", 3));
        fx.samples.pipeInput(null, fx.sampleSer.serialize(Topics.SAMPLES.name(), Records.sample("r1", 0, 0.5)));
        assertEquals("MISSING_KEY", fx.deadLetters.readValuesToList().get(0).getErrorClass());
        fx.samples.pipeInput(
                TopologyFixture.key("other"),
                fx.sampleSer.serialize(Topics.SAMPLES.name(), Records.sample("r1", 0, 0.5)));
        assertEquals("KEY_MISMATCH", fx.deadLetters.readValuesToList().get(0).getErrorClass());
        fx.send(Records.sample("r1", 3, 0.5));
        assertEquals(
                "SAMPLE_INDEX_OUT_OF_RANGE",
                fx.deadLetters.readValuesToList().get(0).getErrorClass());
        ScoredSample foreign = Records.sample("r1", 1, 0.5);
        foreign.setSampleId("made-up-id");
        fx.send(foreign);
        assertEquals(
                "SAMPLE_ID_MISMATCH", fx.deadLetters.readValuesToList().get(0).getErrorClass());
        assertNull(fx.stateStore().get("r1"));
        assertStillCounting("r1", 1, 1);
    }

    @Test
    void shouldDeadLetterAReSendThatChangesWhatIsScoredOrSampledOnceSamplesAreCounted() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        EvalRequest original = Records.request("r3", 4);
        fx.send(original);
        fx.send(Records.sample("r3", 0, 0.5));
        List<java.util.function.Consumer<EvalRequest.Builder>> changes = List.of(
                b -> b.getScorerBuilder().setMetric("exact_match"),
                b -> b.getScorerBuilder().setStripPrefixes(List.of("Answer: ")),
                b -> b.setReferences(List.of("an edited reference")),
                b -> b.setPrompt(original.getPrompt() + " (edited)"),
                b -> b.getDecodingBuilder().setSeed(original.getDecoding().getSeed() + 1));
        for (java.util.function.Consumer<EvalRequest.Builder> change : changes) {
            EvalRequest.Builder b = EvalRequest.newBuilder(original);
            change.accept(b);
            fx.send(b.build());
            List<DeadLetter> dls = fx.deadLetters.readValuesToList();
            assertEquals(1, dls.size(), () -> "one dead letter per conflicting re-send: " + dls);
            assertEquals("CONFLICTING_REQUEST", dls.get(0).getReasonCode());
            assertEquals(original, fx.requestsStore().get("r3"), "the stored request is kept");
        }
        // attributes and the creation time are not part of the evaluation: a re-send with new ones is accepted
        fx.send(EvalRequest.newBuilder(original)
                .setAttributes(java.util.Map.of("ticket", "T-9"))
                .setCreatedAt(original.getCreatedAt().plusSeconds(60))
                .build());
        assertTrue(fx.deadLetters.isEmpty());
        assertEquals("T-9", fx.requestsStore().get("r3").getAttributes().get("ticket"));
    }
}
