package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.contract.DeadLetterReason;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private final ModelCatalog catalog = ModelCatalog.parse(List.of("m1=/models/m1.bin,tokenizer=/models/tok.bin"));
    private final RequestValidator validator = new RequestValidator(catalog, 256, 10_000);

    private RejectedRequestException reject(Consumer<EvalRequest.Builder> change) {
        EvalRequest.Builder b = Requests.request("r1", "m1", 10);
        change.accept(b);
        EvalRequest r = b.build();
        return assertThrows(RejectedRequestException.class, () -> validator.validate("r1", r));
    }

    @Test
    void shouldMapAValidRequestOntoModelDecodingAndScorer() throws Exception {
        EvalRequest r = Requests.request("r1", "m1", 10)
                .setDecoding(Requests.decoding(16)
                        .setTemperature(0.7)
                        .setTopP(0.9)
                        .setTopK(40)
                        .setAdaptiveTemperature(true)
                        .setAdaptiveTemperatureThreshold(0.8)
                        .build())
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("ROUGEL_RECALL")
                        .setLeakThreshold(0.3)
                        .setStripPrefixes(List.of("Answer:"))
                        .build())
                .build();
        ValidatedRequest v = validator.validate("r1", r);
        assertEquals("m1", v.model().version());
        assertEquals(0.7, v.decoding().temperature());
        assertEquals(0.9, v.decoding().topP());
        assertEquals(40, v.decoding().topK());
        assertEquals(16, v.decoding().maxNewTokens());
        assertEquals(0.8, v.decoding().adaptive().threshold());
        assertEquals(List.of("Answer:"), v.stripPrefixes());
        assertEquals(0.3, v.leakThreshold());
        assertEquals(1.0, v.scorer().score("a b", "a b"), "raw metric, no threshold applied");
        assertEquals(0.5, v.scorer().score("a", "a b"), "raw recall, not binarised by tau");
        assertEquals(7, v.baseSeed());
    }

    @Test
    void adaptiveTemperatureOffShouldLeaveItOff() throws Exception {
        assertNull(validator
                .validate("r1", Requests.request("r1", "m1", 3).build())
                .decoding()
                .adaptive());
    }

    @Test
    void unknownModelVersionShouldNameTheVersionAndTheConfiguredOnes() {
        RejectedRequestException e = reject(b -> b.setModelVersion("m9"));
        assertEquals(DeadLetterReason.UNKNOWN_MODEL_VERSION, e.reason());
        assertFalse(e.contractViolation(), "the worker's own refusal: the request ends REJECTED");
        assertTrue(e.getMessage().contains("'m9'") && e.getMessage().contains("m1"), e.getMessage());
    }

    @Test
    void shouldAcceptTheDocumentedExactMatchMetric() throws Exception {
        EvalRequest r = Requests.request("r1", "m1", 3)
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("exact_match")
                        .setLeakThreshold(0.5)
                        .setStripPrefixes(List.of())
                        .build())
                .build();
        assertEquals(1.0, validator.validate("r1", r).scorer().score("Paris", "paris"));
    }

    @Test
    void shouldRefuseWhatIsBeyondThisWorkersOwnLimitsAsWorkerSide() {
        RejectedRequestException e =
                reject(b -> b.setDecoding(Requests.decoding(257).build()));
        assertEquals(DeadLetterReason.WORKER_LIMIT_EXCEEDED, e.reason());
        assertFalse(e.contractViolation());
        assertTrue(e.getMessage().contains("maxNewTokens 257"), e.getMessage());
        assertEquals(
                DeadLetterReason.WORKER_LIMIT_EXCEEDED,
                reject(b -> b.setNumSamples(10_001)).reason());
    }

    @Test
    void keyMustEqualTheRequestId() {
        EvalRequest r = Requests.request("r1", "m1", 3).build();
        RejectedRequestException e = assertThrows(RejectedRequestException.class, () -> validator.validate("r2", r));
        assertEquals(DeadLetterReason.KEY_MISMATCH, e.reason());
        assertTrue(e.contractViolation());
        assertEquals(
                DeadLetterReason.MISSING_KEY,
                assertThrows(RejectedRequestException.class, () -> validator.validate(null, r))
                        .reason());
    }

    @Test
    void shouldRejectOutOfRangeFieldsNamingThem() {
        record Case(String mustMention, Consumer<EvalRequest.Builder> change) {}
        List<Case> cases = List.of(
                new Case("numSamples 0", b -> b.setNumSamples(0)),
                new Case("numSamples -3", b -> b.setNumSamples(-3)),
                new Case("numSamples 100001", b -> b.setNumSamples(100_001)),
                new Case("alpha 0.0", b -> b.setAlpha(0)),
                new Case("alpha 0.6", b -> b.setAlpha(0.6)),
                new Case("alpha NaN", b -> b.setAlpha(Double.NaN)),
                new Case(
                        "scorer.metric 'bleu'",
                        b -> b.setScorer(ScorerConfig.newBuilder()
                                .setMetric("bleu")
                                .setLeakThreshold(0.5)
                                .setStripPrefixes(List.of())
                                .build())),
                new Case(
                        "leakThreshold 1.5",
                        b -> b.setScorer(ScorerConfig.newBuilder()
                                .setMetric("exact")
                                .setLeakThreshold(1.5)
                                .setStripPrefixes(List.of())
                                .build())),
                new Case(
                        "stripPrefixes[0] of request r1 is empty",
                        b -> b.setScorer(ScorerConfig.newBuilder()
                                .setMetric("exact")
                                .setLeakThreshold(0.5)
                                .setStripPrefixes(List.of(""))
                                .build())),
                new Case("references of request r1 are empty", b -> b.setReferences(List.of())),
                new Case(
                        "temperature 0.0",
                        b -> b.setDecoding(
                                Requests.decoding(8).setTemperature(0).build())),
                new Case(
                        "temperature -1.0",
                        b -> b.setDecoding(
                                Requests.decoding(8).setTemperature(-1).build())),
                new Case(
                        "decoding.topP 0.0",
                        b -> b.setDecoding(Requests.decoding(8).setTopP(0).build())),
                new Case(
                        "decoding.topP 1.5",
                        b -> b.setDecoding(Requests.decoding(8).setTopP(1.5).build())),
                new Case(
                        "decoding.topK -1",
                        b -> b.setDecoding(Requests.decoding(8).setTopK(-1).build())),
                new Case(
                        "decoding.maxNewTokens 0",
                        b -> b.setDecoding(Requests.decoding(0).build())),
                new Case(
                        "adaptiveTemperatureThreshold 0.0",
                        b -> b.setDecoding(Requests.decoding(8)
                                .setAdaptiveTemperature(true)
                                .setAdaptiveTemperatureThreshold(0)
                                .build())),
                new Case("key 'r1' differs from requestId ''", b -> b.setRequestId("")));
        for (Case c : cases) {
            RejectedRequestException e = reject(c.change());
            assertTrue(e.contractViolation(), c.mustMention() + ": the shared contract's, skipped by the worker");
            assertTrue(
                    e.getMessage().contains(c.mustMention()),
                    () -> "'" + e.getMessage() + "' should mention '" + c.mustMention() + "'");
        }
    }
}
