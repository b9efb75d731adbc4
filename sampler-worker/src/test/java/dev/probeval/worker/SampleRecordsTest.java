package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.backend.GeneratedSample;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleRecordsTest {
    private final RequestValidator validator = new RequestValidator(ModelCatalog.parse(List.of("m1=/m.bin")), 128, 100);

    private static GeneratedSample sample(int index, String text) {
        return new GeneratedSample(
                SampleIds.sampleId("r1", index),
                index,
                index < 0 ? GeneratedSample.Kind.GREEDY : GeneratedSample.Kind.SAMPLED,
                text,
                5,
                dev.probeval.model.sampling.FinishReason.LENGTH,
                -3.5,
                -4.25,
                SampleIds.sampleSeed(7, "r1", index),
                null);
    }

    @Test
    void shouldStripPrefixScoreRawAndFlagLeakAtTau() throws Exception {
        ValidatedRequest vr = validator.validate(
                "r1",
                Requests.request("r1", "m1", 4)
                        .setReferences(List.of("the cat sat", "a dog ran far away"))
                        .setScorer(ScorerConfig.newBuilder()
                                .setMetric("rougeL_recall")
                                .setLeakThreshold(0.6)
                                .setStripPrefixes(List.of("Answer:"))
                                .build())
                        .build());
        Instant at = Instant.ofEpochMilli(123);
        ScoredSample s = SampleRecords.scored(vr, sample(2, "  Answer: the cat"), "w1", at);
        assertEquals("the cat", s.getText(), "stored text is the stripped text");
        assertEquals(2.0 / 3.0, s.getScore(), 1e-12, "best reference: 'the cat sat', recall 2/3");
        assertTrue(s.getLeaked(), "2/3 >= tau 0.6");
        assertEquals(SampleIds.sampleId("r1", 2), s.getSampleId());
        assertEquals(SampleIds.sampleSeed(7, "r1", 2), s.getSeed());
        assertEquals(SampleKind.SAMPLED, s.getKind());
        assertEquals(FinishReason.LENGTH, s.getFinishReason());
        assertEquals(-4.25, s.getLogProbability(), "log-probability under the untempered model");
        assertEquals(5, s.getTokenCount());
        assertEquals("w1", s.getWorkerId());
        assertEquals(at, s.getProducedAt());
        assertEquals("p-r1", s.getPromptId());
        assertEquals("tiny", s.getSuite());
        assertEquals("forget", s.getSplit());

        ScoredSample g = SampleRecords.scored(vr, sample(SampleIds.GREEDY_INDEX, "a dog"), "w1", at);
        assertEquals(SampleKind.GREEDY, g.getKind());
        assertEquals(-1, g.getSampleIndex());
        assertEquals(0.4, g.getScore(), 1e-12);
        assertFalse(g.getLeaked());
    }

    @Test
    void textShouldBeDroppedUnlessTheRequestLogsTexts() throws Exception {
        ValidatedRequest vr = validator.validate(
                "r1", Requests.request("r1", "m1", 4).setLogSampleTexts(false).build());
        ScoredSample s = SampleRecords.scored(vr, sample(0, "there was a little girl"), "w1", Instant.EPOCH);
        assertNull(s.getText());
        assertTrue(s.getScore() > 0, "scored on the text even though it is not kept");
    }

    @Test
    void scoreOutsideUnitIntervalShouldFail() throws Exception {
        ValidatedRequest ok =
                validator.validate("r1", Requests.request("r1", "m1", 4).build());
        ValidatedRequest broken =
                new ValidatedRequest(ok.request(), ok.model(), ok.decoding(), (p, r) -> Double.NaN, List.of(), 0.5);
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> SampleRecords.scored(broken, sample(0, "x"), "w1", Instant.EPOCH));
        assertTrue(e.getMessage().contains("NaN"));
    }
}
