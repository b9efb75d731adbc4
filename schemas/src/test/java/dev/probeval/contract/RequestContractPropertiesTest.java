package dev.probeval.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.kafka.Topics;
import dev.probeval.serde.AvroSerdeConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The request contract over generated requests, most of them broken in one or several ways: the validator never
 * throws; a request is refused exactly when an independent statement of the rules (this class's {@link #violations})
 * finds a violation, and then with one reason among those found and a bounded one-line message; an accepted request
 * survives the Avro round trip unchanged, within the size limit, and is accepted again after it.
 */
class RequestContractPropertiesTest {
    static {
        dev.probeval.serde.AvroClassSecurity.trustProbevalClasses();
    }

    /** Small limits, so generated values cross them often. */
    private static final RequestLimits LIMITS = RequestLimits.builder()
            .optMaxNumSamples(1000)
            .optMaxPromptChars(300)
            .optMaxReferences(4)
            .optMaxReferenceChars(200)
            .optMaxNewTokens(512)
            .optMaxIdChars(24)
            .optMaxAttributes(3)
            .optMaxAttributeChars(40)
            .optMaxStripPrefixes(2)
            .optMaxRequestBytes(900)
            .build();

    private static final EvalRequestValidator VALIDATOR = new EvalRequestValidator(LIMITS);
    private static final Serde<EvalRequest> SERDE = Topics.EVAL_REQUESTS.valueSerde(
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://props-" + UUID.randomUUID()));

    /** Generated requests checked; the seed is fixed so a failure names a reproducible case. */
    private static final int CASES = 12_000;

    @Test
    void everyRequestIsAcceptedOrRefusedWithExactlyOneReasonTheRulesGive() {
        Generator g = new Generator(20261207L);
        Map<DeadLetterReason, Integer> seen = new java.util.TreeMap<>();
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            Input in = g.next();
            int c = i;
            try {
                if (check(in.key(), in.request())) {
                    accepted++;
                } else {
                    seen.merge(VALIDATOR.validate(in.key(), in.request()).reason(), 1, Integer::sum);
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("case " + c + " (seed 20261207): " + e.getMessage(), e);
            }
        }
        // the generator must exercise both outcomes and most reasons, or the property says little
        assertTrue(accepted >= CASES / 20, "accepted " + accepted + " of " + CASES);
        assertTrue(seen.size() >= 15, "reasons seen: " + seen);
    }

    /** The property for one request; true when it was accepted. */
    private static boolean check(String key, EvalRequest r) {
        Validation v;
        try {
            v = VALIDATOR.validate(key, r);
        } catch (RuntimeException e) {
            throw new AssertionError("the validator threw " + e, e);
        }
        assertNotNull(v);
        Set<DeadLetterReason> found = violations(key, r);
        if (v.isOk()) {
            assertTrue(found.isEmpty(), () -> "accepted, but the rules find " + found + " in " + brief(r));
            byte[] bytes = SERDE.serializer().serialize(Topics.EVAL_REQUESTS.name(), r);
            assertTrue(bytes.length - 5 <= LIMITS.maxRequestBytes(), "encoded within the limit: " + bytes.length);
            EvalRequest back = SERDE.deserializer().deserialize(Topics.EVAL_REQUESTS.name(), bytes);
            assertEquals(r, back, "the Avro round trip changes nothing");
            assertTrue(VALIDATOR.validate(key, back, bytes.length - 5).isOk(), "accepted again after the round trip");
            return true;
        } else {
            assertNotNull(v.reason());
            assertFalse(v.reason() == DeadLetterReason.UNSPECIFIED);
            assertTrue(found.contains(v.reason()), () -> "refused with " + v + " but the rules find " + found);
            assertFalse(v.message().contains("\n") || v.message().contains("\r"), "one line: " + v.message());
            assertTrue(
                    v.message().length() <= 600,
                    () -> "bounded message, got " + v.message().length() + " chars");
            for (int i = 0; i < v.message().length(); i++) {
                assertFalse(Character.isISOControl(v.message().charAt(i)), "no control character in the message");
            }
            return false;
        }
    }

    /** The rules, stated again independently of the validator's order: every reason that applies to {@code r}. */
    static Set<DeadLetterReason> violations(String key, EvalRequest r) {
        Set<DeadLetterReason> out = EnumSet.noneOf(DeadLetterReason.class);
        if (key == null) {
            out.add(DeadLetterReason.MISSING_KEY);
        } else if (!key.equals(r.getRequestId())) {
            out.add(DeadLetterReason.KEY_MISMATCH);
        }
        String[] ids = {r.getRequestId(), r.getModelVersion(), r.getPromptId(), r.getSuite(), r.getSplit()};
        for (int i = 0; i < ids.length; i++) {
            String s = ids[i];
            if (s == null || s.isEmpty()) {
                out.add(DeadLetterReason.MISSING_FIELD);
                continue;
            }
            if (s.length() > LIMITS.maxIdChars()) {
                out.add(DeadLetterReason.FIELD_TOO_LONG);
            }
            boolean keyPart = i == 1 || i == 3 || i == 4;
            if (s.chars().anyMatch(RequestContractPropertiesTest::unsafeInId) || (keyPart && s.contains("|"))) {
                out.add(DeadLetterReason.INVALID_CHARACTER);
            }
        }
        if (r.getNumSamples() < 1 || r.getNumSamples() > LIMITS.maxNumSamples()) {
            out.add(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE);
        }
        if (!(r.getAlpha() > 0 && r.getAlpha() <= 0.5)) {
            out.add(DeadLetterReason.ALPHA_OUT_OF_RANGE);
        }
        ScorerConfig sc = r.getScorer();
        if (!(sc.getLeakThreshold() >= 0 && sc.getLeakThreshold() <= 1)) {
            out.add(DeadLetterReason.LEAK_THRESHOLD_OUT_OF_RANGE);
        }
        if (!List.of(
                        "rougel_recall",
                        "rougel_precision",
                        "rougel_f1",
                        "rouge1_recall",
                        "rouge1_precision",
                        "rouge1_f1",
                        "exact",
                        "exact_match",
                        "contains",
                        "regex")
                .contains(sc.getMetric().toLowerCase(java.util.Locale.ROOT))) {
            out.add(DeadLetterReason.UNKNOWN_METRIC);
        }
        if (sc.getStripPrefixes().size() > LIMITS.maxStripPrefixes()) {
            out.add(DeadLetterReason.TOO_MANY_ENTRIES);
        }
        for (String p : sc.getStripPrefixes()) {
            if (p.isEmpty()) {
                out.add(DeadLetterReason.MISSING_FIELD);
            }
            if (p.length() > LIMITS.maxIdChars()) {
                out.add(DeadLetterReason.FIELD_TOO_LONG);
            }
        }
        if (r.getReferences().isEmpty()) {
            out.add(DeadLetterReason.MISSING_REFERENCES);
        }
        if (r.getReferences().size() > LIMITS.maxReferences()) {
            out.add(DeadLetterReason.TOO_MANY_REFERENCES);
        }
        if (r.getReferences().stream().anyMatch(x -> x.length() > LIMITS.maxReferenceChars())) {
            out.add(DeadLetterReason.REFERENCE_TOO_LONG);
        }
        if (r.getPrompt().length() > LIMITS.maxPromptChars()) {
            out.add(DeadLetterReason.PROMPT_TOO_LONG);
        }
        for (String text : concat(r.getPrompt(), r.getReferences(), sc.getStripPrefixes())) {
            if (Texts2.hasUnpairedSurrogate(text)) {
                out.add(DeadLetterReason.INVALID_CHARACTER);
            }
        }
        DecodingConfig d = r.getDecoding();
        if (!(d.getTemperature() > 0 && d.getTemperature() <= LIMITS.maxTemperature())
                || !(d.getTopP() > 0 && d.getTopP() <= 1)
                || d.getTopK() < 0
                || d.getTopK() > LIMITS.maxTopK()
                || d.getMaxNewTokens() < 1
                || d.getMaxNewTokens() > LIMITS.maxNewTokens()
                || !Double.isFinite(d.getAdaptiveTemperatureThreshold())
                || (d.getAdaptiveTemperature()
                        && !(d.getAdaptiveTemperatureThreshold() > 0 && d.getAdaptiveTemperatureThreshold() <= 1))) {
            out.add(DeadLetterReason.DECODING_OUT_OF_RANGE);
        }
        Integer q = r.getSuiteSize();
        if (q != null && (q < 1 || q > LIMITS.maxSuiteSize())) {
            out.add(DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE);
        }
        StoppingRule rule = r.getStoppingRule();
        if (rule != null) {
            if (r.getBoundMode() != BoundMode.ANYTIME) {
                out.add(DeadLetterReason.STOPPING_RULE_NOT_ANYTIME);
            }
            Double at = rule.getAt();
            if (!(rule.getThreshold() >= 0 && rule.getThreshold() <= 1)
                    || (rule.getMetric() == StoppingMetric.M_MU && at != null)
                    || (rule.getMetric() == StoppingMetric.M_GEN && at == null)
                    || (at != null && !(at >= 0 && at <= 1))
                    || (rule.getMinSamples() != null
                            && (rule.getMinSamples() < 1 || rule.getMinSamples() > r.getNumSamples()))) {
                out.add(DeadLetterReason.STOPPING_RULE_INVALID);
            }
        }
        Map<String, String> attrs = r.getAttributes();
        if (attrs.size() > LIMITS.maxAttributes()) {
            out.add(DeadLetterReason.TOO_MANY_ENTRIES);
        }
        for (Map.Entry<String, String> e : attrs.entrySet()) {
            if (e.getKey().isEmpty()) {
                out.add(DeadLetterReason.MISSING_FIELD);
            }
            if (e.getKey().length() > LIMITS.maxIdChars() || e.getValue().length() > LIMITS.maxAttributeChars()) {
                out.add(DeadLetterReason.FIELD_TOO_LONG);
            }
            if (e.getKey().chars().anyMatch(RequestContractPropertiesTest::unsafeInId)
                    || e.getValue()
                            .chars()
                            .anyMatch(c -> (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r')
                                    || Character.isSurrogate((char) c))) {
                out.add(DeadLetterReason.INVALID_CHARACTER);
            }
        }
        if (EncodedSize.of(r) > LIMITS.maxRequestBytes()) {
            out.add(DeadLetterReason.REQUEST_TOO_LARGE);
        }
        return out;
    }

    /** What an identifier or attribute key may not hold (the generator makes no surrogate pairs). */
    private static boolean unsafeInId(int c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || Character.getType(c) == Character.FORMAT
                || Character.isSurrogate((char) c)
                || c == 0x2028
                || c == 0x2029;
    }

    private static List<String> concat(String prompt, List<String> refs, List<String> prefixes) {
        List<String> all = new ArrayList<>(refs);
        all.addAll(prefixes);
        all.add(prompt);
        return all;
    }

    /** Surrogate pairs are not generated, so any surrogate in generated text is unpaired. */
    private static final class Texts2 {
        static boolean hasUnpairedSurrogate(String s) {
            return s.chars().anyMatch(c -> Character.isSurrogate((char) c));
        }
    }

    private static String brief(EvalRequest r) {
        String s = r.toString();
        return s.length() > 400 ? s.substring(0, 400) + "…" : s;
    }

    // ---- generator: mostly plausible values, with every kind of breakage mixed in; seeded, so a failure reproduces
    // ----

    private static final char[] NASTY = {
        '|', '\0', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u202e', '\u200b', '\u2028', '\ufeff', '\ud800', '\udc00'
    };
    private static final String PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_/:@. ";

    /** A random generated request and the key it is read under. */
    record Input(String key, EvalRequest request) {}

    static final class Generator {
        private final java.util.Random rnd;
        /** How often this request's values break a rule: 0 (a valid request), rarely, or often. */
        private double scale;

        Generator(long seed) {
            rnd = new java.util.Random(seed);
        }

        private boolean p(double probability) {
            return rnd.nextDouble() < probability;
        }

        /** A breakage with probability {@code probability} scaled by this request's rate. */
        private boolean bad(double probability) {
            return rnd.nextDouble() < probability * scale;
        }

        String text(int maxLen) {
            if (bad(0.04)) {
                return "";
            }
            if (bad(0.04)) {
                return "x".repeat(maxLen + 30 + rnd.nextInt(maxLen * 40 + 1));
            }
            int len = 1 + rnd.nextInt(maxLen);
            StringBuilder sb = new StringBuilder(len);
            for (int i = 0; i < len; i++) {
                sb.append(
                        bad(0.015)
                                ? NASTY[rnd.nextInt(NASTY.length)]
                                : p(0.07)
                                        ? (char) (0xa0 + rnd.nextInt(0x460))
                                        : PLAIN.charAt(rnd.nextInt(PLAIN.length())));
            }
            return sb.toString();
        }

        double unit() {
            return bad(0.08)
                    ? new double[] {-0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}[rnd.nextInt(4)]
                    : p(0.05) ? (p(0.5) ? 0.0 : 1.0) : rnd.nextDouble();
        }

        /** In (0, 1]: topP and the adaptive threshold, where 0 is out of range. */
        double positiveUnit() {
            return bad(0.08) ? new double[] {0.0, -0.1, 1.5, Double.NaN}[rnd.nextInt(4)] : 1.0 - rnd.nextDouble();
        }

        List<String> texts(int min, int maxSize, int maxLen) {
            int n = min + rnd.nextInt(maxSize - min + 1);
            if (bad(0.05)) {
                n = p(0.5) ? 0 : maxSize + 1 + rnd.nextInt(3);
            }
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(text(maxLen));
            }
            return out;
        }

        Input next() {
            double r0 = rnd.nextDouble();
            scale = r0 < 0.35 ? 0 : r0 < 0.7 ? 0.1 : 1;
            ScorerConfig scorer = ScorerConfig.newBuilder()
                    .setMetric(
                            !bad(0.1)
                                    ? new String[] {"rougeL_recall", "rougeL_f1", "exact_match", "contains"}
                                            [rnd.nextInt(4)]
                                    : new String[] {"bleu", "", "ROUGEL_RECALL"}[rnd.nextInt(3)])
                    .setLeakThreshold(unit())
                    .setStripPrefixes(texts(0, 2, 8))
                    .build();
            DecodingConfig decoding = DecodingConfig.newBuilder()
                    .setTemperature(
                            !bad(0.1)
                                    ? 0.1 + 1.9 * rnd.nextDouble()
                                    : new double[] {0, -1, 11, Double.NaN}[rnd.nextInt(4)])
                    .setTopP(positiveUnit())
                    .setTopK(bad(0.05) ? -1 - rnd.nextInt(3) : rnd.nextInt(61))
                    .setMaxNewTokens(bad(0.1) ? (p(0.5) ? 0 : 513 + rnd.nextInt(100)) : 1 + rnd.nextInt(512))
                    .setSeed(7)
                    .setAdaptiveTemperature(p(0.5))
                    .setAdaptiveTemperatureThreshold(positiveUnit())
                    .build();
            int n = !bad(0.1) ? 1 + rnd.nextInt(64) : new int[] {0, -3, 1001, Integer.MAX_VALUE}[rnd.nextInt(4)];
            boolean withRule = p(0.25);
            BoundMode mode = withRule && !bad(0.3) ? BoundMode.ANYTIME : BoundMode.values()[rnd.nextInt(3)];
            StoppingRule rule = null;
            if (withRule) {
                StoppingMetric m = StoppingMetric.values()[rnd.nextInt(3)];
                Double at = m == StoppingMetric.M_MU
                        ? (bad(0.2) ? unit() : null)
                        : m == StoppingMetric.M_GEN ? (bad(0.2) ? null : unit()) : (p(0.5) ? null : unit());
                rule = StoppingRule.newBuilder()
                        .setMetric(m)
                        .setAt(at)
                        .setThreshold(unit())
                        .setDecide(StoppingDecide.EITHER)
                        .setMinSamples(
                                p(0.5) ? null : bad(0.2) ? n + 1 : 1 + rnd.nextInt(Math.max(1, Math.min(n, 1000))))
                        .build();
            }
            Map<String, String> attrs = new LinkedHashMap<>();
            for (int i = bad(0.05) ? 5 : rnd.nextInt(4); i > 0; i--) {
                attrs.put(text(10), text(12));
            }
            String rid = text(20);
            EvalRequest r = EvalRequest.newBuilder()
                    .setRequestId(rid)
                    .setModelVersion(text(20))
                    .setPromptId(text(20))
                    .setSuite(text(20))
                    .setSplit(text(20))
                    .setPrompt(text(200))
                    .setReferences(texts(1, 4, 60))
                    .setScorer(scorer)
                    .setDecoding(decoding)
                    .setNumSamples(n)
                    .setAlpha(
                            !bad(0.1)
                                    ? 0.001 + 0.499 * rnd.nextDouble()
                                    : new double[] {0, 0.7, Double.NaN}[rnd.nextInt(3)])
                    .setBoundMode(mode)
                    .setSuiteSize(p(0.7) ? null : bad(0.2) ? rnd.nextInt(2) - 1 : 1 + rnd.nextInt(50))
                    .setStoppingRule(rule)
                    .setAttributes(attrs)
                    .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                    .build();
            String key = !bad(0.1) ? rid : p(0.5) ? null : text(20);
            return new Input(key, r);
        }
    }
}
