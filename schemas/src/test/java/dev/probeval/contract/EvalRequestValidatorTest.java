package dev.probeval.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EvalRequestValidatorTest {
    static {
        dev.probeval.serde.AvroClassSecurity.trustProbevalClasses();
    }

    private final EvalRequestValidator validator = EvalRequestValidator.withDefaults();

    static EvalRequest.Builder valid() {
        return EvalRequest.newBuilder()
                .setRequestId("r1")
                .setModelVersion("m@1")
                .setPromptId("p1")
                .setPrompt("Who wrote X?")
                .setReferences(List.of("Y"))
                .setNumSamples(8)
                .setCreatedAt(Instant.ofEpochMilli(1));
    }

    private Validation check(Consumer<EvalRequest.Builder> change) {
        EvalRequest.Builder b = valid();
        change.accept(b);
        return validator.validate("r1", b.build());
    }

    private void assertRejected(DeadLetterReason reason, String field, Consumer<EvalRequest.Builder> change) {
        Validation v = check(change);
        assertEquals(reason, v.reason(), v.toString());
        assertTrue(v.message().contains(field), v.message());
        assertTrue(!v.message().contains("\n"), "one line: " + v.message());
    }

    @Test
    void shouldAcceptAValidRequestAndTheExactMatchAlias() {
        assertTrue(check(b -> {}).isOk());
        assertTrue(check(b -> b.getScorerBuilder().setMetric("exact_match")).isOk());
        assertTrue(check(b ->
                        b.setNumSamples(RequestLimits.DEFAULT_MAX_NUM_SAMPLES).setAlpha(0.5))
                .isOk());
        assertTrue(check(b -> b.setSuiteSize(40)).isOk());
    }

    @Test
    void shouldNameEachViolationWithItsReasonCode() {
        Validation keyed = validator.validate("other", valid().build());
        assertEquals(DeadLetterReason.KEY_MISMATCH, keyed.reason());
        assertEquals(
                DeadLetterReason.MISSING_KEY,
                validator.validate(null, valid().build()).reason());
        assertRejected(DeadLetterReason.MISSING_FIELD, "modelVersion", b -> b.setModelVersion(""));
        assertRejected(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, "numSamples 0", b -> b.setNumSamples(0));
        assertRejected(
                DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE,
                "numSamples 2147483647",
                b -> b.setNumSamples(Integer.MAX_VALUE));
        assertRejected(DeadLetterReason.ALPHA_OUT_OF_RANGE, "alpha 0.7", b -> b.setAlpha(0.7));
        assertRejected(DeadLetterReason.ALPHA_OUT_OF_RANGE, "alpha 0.0", b -> b.setAlpha(0.0));
        assertRejected(DeadLetterReason.ALPHA_OUT_OF_RANGE, "alpha NaN", b -> b.setAlpha(Double.NaN));
        assertRejected(
                DeadLetterReason.LEAK_THRESHOLD_OUT_OF_RANGE,
                "leakThreshold",
                b -> b.getScorerBuilder().setLeakThreshold(1.5));
        assertRejected(
                DeadLetterReason.UNKNOWN_METRIC,
                "bleu",
                b -> b.getScorerBuilder().setMetric("bleu"));
        assertRejected(DeadLetterReason.MISSING_REFERENCES, "references", b -> b.setReferences(List.of()));
        assertRejected(
                DeadLetterReason.TOO_MANY_REFERENCES, "65 entries", b -> b.setReferences(Collections.nCopies(65, "a")));
        assertRejected(
                DeadLetterReason.REFERENCE_TOO_LONG,
                "references[1]",
                b -> b.setReferences(List.of("a", "x".repeat(RequestLimits.DEFAULT_MAX_REFERENCE_CHARS + 1))));
        assertRejected(
                DeadLetterReason.PROMPT_TOO_LONG,
                "prompt",
                b -> b.setPrompt("x".repeat(RequestLimits.DEFAULT_MAX_PROMPT_CHARS + 1)));
        assertRejected(
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                "decoding.temperature",
                b -> b.getDecodingBuilder().setTemperature(0));
        assertRejected(
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                "decoding.topP",
                b -> b.getDecodingBuilder().setTopP(1.2));
        assertRejected(
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                "decoding.topK",
                b -> b.getDecodingBuilder().setTopK(-1));
        assertRejected(
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                "decoding.maxNewTokens",
                b -> b.getDecodingBuilder().setMaxNewTokens(0));
        assertRejected(
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                "decoding.adaptiveTemperatureThreshold",
                b -> b.getDecodingBuilder().setAdaptiveTemperature(true).setAdaptiveTemperatureThreshold(0));
        assertRejected(DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE, "suiteSize 0", b -> b.setSuiteSize(0));
    }

    @Test
    void shouldRefuseOversizedOrUnprintableIdentifiersWithAClippedMessage() {
        String huge = "s".repeat(700_000);
        Validation v = check(b -> b.setSuite(huge));
        assertEquals(DeadLetterReason.FIELD_TOO_LONG, v.reason());
        assertTrue(v.message().contains("suite") && v.message().contains("700000 chars"), v.message());
        assertTrue(
                v.message().length() < 400,
                "the message quotes a prefix only: " + v.message().length());
        assertRejected(DeadLetterReason.FIELD_TOO_LONG, "modelVersion", b -> b.setModelVersion(huge));
        assertRejected(DeadLetterReason.INVALID_CHARACTER, "split", b -> b.setSplit("for\0get"));
        assertRejected(DeadLetterReason.INVALID_CHARACTER, "suite", b -> b.setSuite("tofu\u202eevil"));
        assertRejected(DeadLetterReason.INVALID_CHARACTER, "separator", b -> b.setModelVersion("m|1"));
        assertRejected(DeadLetterReason.INVALID_CHARACTER, "promptId", b -> b.setPromptId("p\n1"));
        // '|' is only the roll-up key's separator: a prompt id may hold it
        assertTrue(check(b -> b.setPromptId("q|7")).isOk());
        Validation nul = check(b -> b.setSplit("a\0b"));
        assertTrue(nul.message().contains("\\u0000"), "the NUL is shown escaped: " + nul.message());
        assertTrue(nul.message().chars().noneMatch(Character::isISOControl), nul.message());
        Validation key =
                validator.validate(huge, valid().setRequestId(huge + "x").build());
        assertEquals(DeadLetterReason.KEY_MISMATCH, key.reason());
        assertTrue(key.message().length() < 500, "clipped: " + key.message().length());
    }

    @Test
    void shouldBoundAttributesStripPrefixesAndTheEncodedSize() {
        java.util.Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i <= RequestLimits.DEFAULT_MAX_ATTRIBUTES; i++) {
            many.put("k" + i, "v");
        }
        assertRejected(DeadLetterReason.TOO_MANY_ENTRIES, "attributes", b -> b.setAttributes(many));
        assertRejected(
                DeadLetterReason.FIELD_TOO_LONG,
                "attribute 'owner'",
                b -> b.setAttributes(
                        java.util.Map.of("owner", "x".repeat(RequestLimits.DEFAULT_MAX_ATTRIBUTE_CHARS + 1))));
        assertRejected(
                DeadLetterReason.INVALID_CHARACTER,
                "attribute key",
                b -> b.setAttributes(java.util.Map.of("own\u0000er", "x")));
        assertTrue(check(b -> b.setAttributes(java.util.Map.of("note", "two\nlines\tok")))
                .isOk());
        assertRejected(
                DeadLetterReason.TOO_MANY_ENTRIES,
                "stripPrefixes",
                b -> b.getScorerBuilder().setStripPrefixes(Collections.nCopies(17, "A: ")));
        assertRejected(DeadLetterReason.INVALID_CHARACTER, "prompt", b -> b.setPrompt("lone \ud800 surrogate"));
        // within every per-field limit, yet too large as a whole: 64 references of 20,000 chars
        assertRejected(
                DeadLetterReason.REQUEST_TOO_LARGE,
                "bytes encoded",
                b -> b.setReferences(Collections.nCopies(64, "r".repeat(RequestLimits.DEFAULT_MAX_REFERENCE_CHARS))));
        // the size the caller read off the record is used as given
        assertEquals(
                DeadLetterReason.REQUEST_TOO_LARGE,
                validator
                        .validate("r1", valid().build(), RequestLimits.DEFAULT_MAX_REQUEST_BYTES + 1)
                        .reason());
        assertThrows(
                IllegalArgumentException.class,
                () -> RequestLimits.builder()
                        .optMaxRequestBytes(RequestLimits.MAX_REQUEST_BYTES_CEILING + 1)
                        .build());
    }

    @Test
    void shouldRefuseNullsFromCodeInsteadOfThrowing() {
        EvalRequest r = valid().build();
        r.setScorer(null);
        assertEquals(DeadLetterReason.MISSING_FIELD, validator.validate("r1", r).reason());
        EvalRequest d = valid().build();
        d.setDecoding(null);
        assertEquals(DeadLetterReason.MISSING_FIELD, validator.validate("r1", d).reason());
        EvalRequest a = valid().build();
        a.setAttributes(null);
        assertEquals(DeadLetterReason.MISSING_FIELD, validator.validate("r1", a).reason());
        assertEquals(
                DeadLetterReason.MISSING_VALUE, validator.validate("r1", null).reason());
    }

    private static StoppingRule.Builder rule() {
        return StoppingRule.newBuilder()
                .setMetric(StoppingMetric.M_BIN)
                .setThreshold(0.05)
                .setDecide(StoppingDecide.EITHER);
    }

    @Test
    void shouldAcceptAStoppingRuleOnlyInAnytimeMode() {
        assertTrue(check(b -> b.setBoundMode(BoundMode.ANYTIME).setStoppingRule(rule().build()))
                .isOk());
        assertTrue(check(b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(rule().setMetric(StoppingMetric.M_GEN)
                                .setAt(0.3)
                                .setMinSamples(8)
                                .build()))
                .isOk());
        for (BoundMode fixed : new BoundMode[] {BoundMode.SOUND, BoundMode.CONBO}) {
            Validation v = check(b -> b.setBoundMode(fixed).setStoppingRule(rule().build()));
            assertEquals(DeadLetterReason.STOPPING_RULE_NOT_ANYTIME, v.reason());
            assertTrue(
                    v.message().contains("voids its guarantee") && v.message().contains(fixed.name()), v.message());
        }
        assertRejected(
                DeadLetterReason.STOPPING_RULE_INVALID,
                "stoppingRule.threshold 1.5",
                b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(rule().setThreshold(1.5).build()));
        assertRejected(
                DeadLetterReason.STOPPING_RULE_INVALID,
                "required for M_GEN",
                b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(rule().setMetric(StoppingMetric.M_GEN).build()));
        assertRejected(
                DeadLetterReason.STOPPING_RULE_INVALID,
                "must be null for M_MU",
                b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(
                                rule().setMetric(StoppingMetric.M_MU).setAt(0.5).build()));
        assertRejected(
                DeadLetterReason.STOPPING_RULE_INVALID,
                "stoppingRule.at -0.1",
                b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(rule().setAt(-0.1).build()));
        assertRejected(
                DeadLetterReason.STOPPING_RULE_INVALID,
                "stoppingRule.minSamples 9",
                b -> b.setBoundMode(BoundMode.ANYTIME)
                        .setStoppingRule(rule().setMinSamples(9).build()));
    }

    @Test
    void shouldApplyConfiguredLimits() {
        EvalRequestValidator strict = new EvalRequestValidator(RequestLimits.builder()
                .optMaxNumSamples(4)
                .optMaxPromptChars(3)
                .optMaxNewTokens(16)
                .build());
        assertEquals(
                DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE,
                strict.validate("r1", valid().build()).reason());
        assertTrue(strict.validate(
                        "r1",
                        valid().setNumSamples(4)
                                .setPrompt("abc")
                                .setDecoding(valid().getDecodingBuilder()
                                        .setMaxNewTokens(16)
                                        .build())
                                .build())
                .isOk());
        assertThrows(
                IllegalArgumentException.class,
                () -> RequestLimits.builder().optMaxNumSamples(0).build());
    }

    @Test
    void shouldDocumentEveryReasonCodeInTheDeadLetterSchema() {
        String doc = DeadLetter.getClassSchema().getField("reasonCode").doc();
        List<String> missing = new ArrayList<>();
        for (DeadLetterReason r : DeadLetterReason.values()) {
            if (!doc.contains(r.code())) {
                missing.add(r.code());
            }
        }
        assertEquals(List.of(), missing, "codes missing from DeadLetter.reasonCode's doc");
        assertEquals(
                DeadLetterReason.UNSPECIFIED,
                DeadLetterReason.fromCode(DeadLetter.getClassSchema()
                        .getField("reasonCode")
                        .defaultVal()
                        .toString()));
        assertEquals(DeadLetterReason.UNSPECIFIED, DeadLetterReason.fromCode("NEWER_CODE"));
    }
}
