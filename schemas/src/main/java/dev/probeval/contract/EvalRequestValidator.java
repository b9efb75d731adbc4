package dev.probeval.contract;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.core.scoring.Scorers;
import dev.probeval.core.text.Texts;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The request contract, checked the same way by every service: the aggregator (which dead-letters what it rejects),
 * the worker (which skips it, so a bad record yields one dead letter) and the producer (which refuses to send it).
 * Checks, in order, each failure naming the field and its value (clipped, {@link Texts#clip}): key equals requestId;
 * the identifiers (requestId, modelVersion, promptId, suite, split) present, at most
 * {@link RequestLimits#maxIdChars()} chars, free of control and format characters, and without {@code '|'} in the
 * parts of the roll-up key; numSamples; α; bound mode and creation time present; τ; a known metric (names or
 * aliases, such as {@code exact_match}); the strip prefixes; references present (every metric scores against
 * references), their number and length; the prompt's length; the decoding ranges; suiteSize; the stopping rule (only
 * with boundMode ANYTIME, then its ranges); the attributes (number, key and value lengths, characters); last the
 * encoded size ({@link RequestLimits#maxRequestBytes()}), which bounds every record derived from the request.
 * Stateless and thread-safe.
 */
public final class EvalRequestValidator {
    private final RequestLimits limits;

    public EvalRequestValidator(RequestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** A validator with {@link RequestLimits#defaults()}. */
    public static EvalRequestValidator withDefaults() {
        return new EvalRequestValidator(RequestLimits.defaults());
    }

    public RequestLimits limits() {
        return limits;
    }

    /**
     * Checks {@code r}, read under record key {@code key} (null when the record had none). Never throws: a request built
     * in code with nulls where the schema has none is refused like any other.
     *
     * @return ok, or the first violation with a one-line message naming the field (values quoted in it are clipped)
     */
    public Validation validate(String key, EvalRequest r) {
        return validate(key, r, -1);
    }

    /**
     * As {@link #validate(String, EvalRequest)}, with the request's encoded size when the caller has its bytes (a
     * consumer: the record value's length without the 5-byte wire-format header), so it is not encoded again; -1 when
     * unknown.
     */
    public Validation validate(String key, EvalRequest r, int encodedBytes) {
        if (r == null) {
            return reject(DeadLetterReason.MISSING_VALUE, "record has no request value");
        }
        String id = r.getRequestId();
        if (key == null) {
            return reject(
                    DeadLetterReason.MISSING_KEY, "record has no key; expected the request id '" + clip(id) + "'");
        }
        if (!key.equals(id)) {
            return reject(
                    DeadLetterReason.KEY_MISMATCH, "key '" + clip(key) + "' differs from requestId '" + clip(id) + "'");
        }
        Validation v = identifiers(r);
        if (!v.isOk()) {
            return v;
        }
        id = clip(id);
        int n = r.getNumSamples();
        if (n < 1 || n > limits.maxNumSamples()) {
            return reject(
                    DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE,
                    "numSamples " + n + " of request " + id + " is outside [1, " + limits.maxNumSamples() + "]");
        }
        double alpha = r.getAlpha();
        if (!(alpha > limits.minAlphaExclusive() && alpha <= limits.maxAlpha())) {
            return reject(
                    DeadLetterReason.ALPHA_OUT_OF_RANGE,
                    "alpha " + alpha + " of request " + id + " is outside (0, " + limits.maxAlpha() + "]");
        }
        if (r.getBoundMode() == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "boundMode of request " + id + " is missing");
        }
        if (r.getCreatedAt() == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "createdAt of request " + id + " is missing");
        }
        ScorerConfig sc = r.getScorer();
        if (sc == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "scorer of request " + id + " is missing");
        }
        double tau = sc.getLeakThreshold();
        if (!(tau >= 0 && tau <= 1)) {
            return reject(
                    DeadLetterReason.LEAK_THRESHOLD_OUT_OF_RANGE,
                    "scorer.leakThreshold " + tau + " of request " + id + " is outside [0, 1]");
        }
        if (sc.getMetric() == null || !Scorers.isKnown(sc.getMetric())) {
            return reject(
                    DeadLetterReason.UNKNOWN_METRIC,
                    "scorer.metric '" + clip(sc.getMetric()) + "' of request " + id + " is not one of "
                            + String.join(", ", Scorers.metricNames()) + " (or the alias exact_match)");
        }
        v = stripPrefixes(id, sc.getStripPrefixes());
        if (!v.isOk()) {
            return v;
        }
        v = references(id, sc.getMetric(), r.getReferences());
        if (!v.isOk()) {
            return v;
        }
        String prompt = r.getPrompt();
        if (prompt == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "prompt of request " + id + " is missing");
        }
        if (prompt.length() > limits.maxPromptChars()) {
            return reject(
                    DeadLetterReason.PROMPT_TOO_LONG,
                    "prompt of request " + id + " has " + prompt.length() + " chars, more than the limit "
                            + limits.maxPromptChars());
        }
        int bad = Texts.firstUnpairedSurrogate(prompt);
        if (bad >= 0) {
            return reject(
                    DeadLetterReason.INVALID_CHARACTER,
                    "prompt of request " + id + " has an unpaired surrogate at " + "index " + bad
                            + " (text must be valid UTF-16 to cross the wire as UTF-8)");
        }
        Validation d = decoding(id, r.getDecoding());
        if (!d.isOk()) {
            return d;
        }
        Integer q = r.getSuiteSize();
        if (q != null && (q < 1 || q > limits.maxSuiteSize())) {
            return reject(
                    DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE,
                    "suiteSize " + q + " of request " + id + " is outside [1, " + limits.maxSuiteSize() + "]");
        }
        v = stoppingRule(id, r);
        if (!v.isOk()) {
            return v;
        }
        v = attributes(id, r.getAttributes());
        if (!v.isOk()) {
            return v;
        }
        return size(id, r, encodedBytes);
    }

    /** requestId, modelVersion, promptId, suite, split: present, bounded, printable; no '|' in the roll-up's key parts. */
    private Validation identifiers(EvalRequest r) {
        String id = clip(r.getRequestId());
        String[][] fields = {
            {"requestId", r.getRequestId()},
            {"modelVersion", r.getModelVersion()},
            {"promptId", r.getPromptId()},
            {"suite", r.getSuite()},
            {"split", r.getSplit()}
        };
        for (int i = 0; i < fields.length; i++) {
            String name = fields[i][0];
            String value = fields[i][1];
            if (value == null || value.isEmpty()) {
                return reject(DeadLetterReason.MISSING_FIELD, name + " of request '" + id + "' must not be empty");
            }
            if (value.length() > limits.maxIdChars()) {
                return reject(
                        DeadLetterReason.FIELD_TOO_LONG,
                        name + " of request '" + id + "' has " + value.length() + " chars, more than the limit "
                                + limits.maxIdChars() + ": '" + clip(value) + "'");
            }
            int bad = Texts.firstUnsafeChar(value);
            if (bad >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        name + " '" + clip(value) + "' of request '" + id
                                + "' has a control, format or unpaired surrogate character at index " + bad);
            }
            boolean rollupPart = i == 1 || i == 3 || i == 4;
            if (rollupPart && value.indexOf(RollupKey.SEPARATOR) >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        name + " '" + clip(value) + "' of request '" + id + "' contains '" + RollupKey.SEPARATOR
                                + "', the separator of model roll-up keys");
            }
        }
        return Validation.ok();
    }

    private Validation stripPrefixes(String id, List<String> prefixes) {
        if (prefixes == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "scorer.stripPrefixes of request " + id + " is missing");
        }
        if (prefixes.size() > limits.maxStripPrefixes()) {
            return reject(
                    DeadLetterReason.TOO_MANY_ENTRIES,
                    "scorer.stripPrefixes of request " + id + " has " + prefixes.size()
                            + " entries, more than the limit " + limits.maxStripPrefixes());
        }
        for (int i = 0; i < prefixes.size(); i++) {
            String p = prefixes.get(i);
            if (p == null || p.isEmpty()) {
                return reject(
                        DeadLetterReason.MISSING_FIELD,
                        "scorer.stripPrefixes[" + i + "] of request " + id + " is empty");
            }
            if (p.length() > limits.maxIdChars()) {
                return reject(
                        DeadLetterReason.FIELD_TOO_LONG,
                        "scorer.stripPrefixes[" + i + "] of request " + id + " has " + p.length()
                                + " chars, more than the limit " + limits.maxIdChars());
            }
            if (Texts.firstUnpairedSurrogate(p) >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        "scorer.stripPrefixes[" + i + "] of request " + id + " has an unpaired surrogate");
            }
        }
        return Validation.ok();
    }

    private Validation references(String id, String metric, List<String> refs) {
        if (refs == null || refs.isEmpty()) {
            return reject(
                    DeadLetterReason.MISSING_REFERENCES,
                    "references of request " + id + " are empty; metric " + clip(metric)
                            + " scores against references");
        }
        if (refs.size() > limits.maxReferences()) {
            return reject(
                    DeadLetterReason.TOO_MANY_REFERENCES,
                    "references of request " + id + " has " + refs.size() + " entries, more than the limit "
                            + limits.maxReferences());
        }
        for (int i = 0; i < refs.size(); i++) {
            String ref = refs.get(i);
            if (ref == null) {
                return reject(DeadLetterReason.MISSING_FIELD, "references[" + i + "] of request " + id + " is missing");
            }
            if (ref.length() > limits.maxReferenceChars()) {
                return reject(
                        DeadLetterReason.REFERENCE_TOO_LONG,
                        "references[" + i + "] of request " + id + " has " + ref.length()
                                + " chars, more than the limit " + limits.maxReferenceChars());
            }
            if (Texts.firstUnpairedSurrogate(ref) >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        "references[" + i + "] of request " + id + " has an unpaired surrogate");
            }
            Optional<String> problem = Scorers.referenceProblem(metric, ref);
            if (problem.isPresent()) {
                return reject(
                        DeadLetterReason.INVALID_REFERENCE,
                        "references[" + i + "] of request " + id + " cannot be scored with " + clip(metric) + ": "
                                + Texts.clip(problem.get(), 300));
            }
        }
        return Validation.ok();
    }

    private Validation attributes(String id, Map<String, String> attrs) {
        if (attrs == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "attributes of request " + id + " are missing");
        }
        if (attrs.size() > limits.maxAttributes()) {
            return reject(
                    DeadLetterReason.TOO_MANY_ENTRIES,
                    "attributes of request " + id + " has " + attrs.size() + " entries, more than the limit "
                            + limits.maxAttributes());
        }
        for (Map.Entry<String, String> e : attrs.entrySet()) {
            String k = e.getKey();
            String val = e.getValue();
            if (k == null || k.isEmpty()) {
                return reject(DeadLetterReason.MISSING_FIELD, "attributes of request " + id + " has an empty key");
            }
            if (k.length() > limits.maxIdChars()) {
                return reject(
                        DeadLetterReason.FIELD_TOO_LONG,
                        "attribute key '" + clip(k) + "' of request " + id + " has " + k.length()
                                + " chars, more than the limit " + limits.maxIdChars());
            }
            if (Texts.firstUnsafeChar(k) >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        "attribute key '" + clip(k) + "' of request " + id
                                + " has a control, format or unpaired surrogate character");
            }
            if (val == null) {
                return reject(
                        DeadLetterReason.MISSING_FIELD,
                        "attribute '" + clip(k) + "' of request " + id + " has no value");
            }
            if (val.length() > limits.maxAttributeChars()) {
                return reject(
                        DeadLetterReason.FIELD_TOO_LONG,
                        "attribute '" + clip(k) + "' of request " + id + " has a " + val.length()
                                + "-char value, more than the limit " + limits.maxAttributeChars());
            }
            if (Texts.firstControlCharInText(val) >= 0) {
                return reject(
                        DeadLetterReason.INVALID_CHARACTER,
                        "attribute '" + clip(k) + "' of request " + id
                                + " has a control character or an unpaired surrogate in its value");
            }
        }
        return Validation.ok();
    }

    /** The encoded size, computed only when the caller did not give it. */
    private Validation size(String id, EvalRequest r, int encodedBytes) {
        long size = encodedBytes;
        if (size < 0) {
            try {
                size = EncodedSize.of(r);
            } catch (RuntimeException e) {
                // only a request built in code with a null where the schema has none gets here
                return reject(
                        DeadLetterReason.MISSING_FIELD,
                        "request " + id + " cannot be encoded: " + Texts.clip(String.valueOf(e.getMessage()), 200));
            }
        }
        if (size > limits.maxRequestBytes()) {
            return reject(
                    DeadLetterReason.REQUEST_TOO_LARGE,
                    "request " + id + " is " + size + " bytes encoded, more " + "than the limit "
                            + limits.maxRequestBytes());
        }
        return Validation.ok();
    }

    private static String clip(String s) {
        return Texts.clip(s);
    }

    private static Validation stoppingRule(String id, EvalRequest r) {
        StoppingRule rule = r.getStoppingRule();
        if (rule == null) {
            return Validation.ok();
        }
        if (rule.getMetric() == null || rule.getDecide() == null) {
            return ruleReject("stoppingRule.metric and stoppingRule.decide of request " + id + " are required");
        }
        if (r.getBoundMode() != BoundMode.ANYTIME) {
            return reject(
                    DeadLetterReason.STOPPING_RULE_NOT_ANYTIME,
                    "stoppingRule of request " + id + " needs boundMode "
                            + "ANYTIME, got " + r.getBoundMode()
                            + ": stopping when a fixed-n bound crosses a threshold voids its "
                            + "guarantee (only anytime-valid bounds allow a data-dependent n)");
        }
        double t = rule.getThreshold();
        if (!(t >= 0 && t <= 1)) {
            return ruleReject("stoppingRule.threshold " + t + " of request " + id + " is outside [0, 1]");
        }
        Double at = rule.getAt();
        if (rule.getMetric() == StoppingMetric.M_MU && at != null) {
            return ruleReject("stoppingRule.at of request " + id + " must be null for M_MU, got " + at);
        }
        if (rule.getMetric() == StoppingMetric.M_GEN && at == null) {
            return ruleReject("stoppingRule.at of request " + id + " is required for M_GEN (the x of P(X > x))");
        }
        if (at != null && !(at >= 0 && at <= 1)) {
            return ruleReject("stoppingRule.at " + at + " of request " + id + " is outside [0, 1]");
        }
        Integer min = rule.getMinSamples();
        if (min != null && (min < 1 || min > r.getNumSamples())) {
            return ruleReject("stoppingRule.minSamples " + min + " of request " + id + " is outside [1, numSamples = "
                    + r.getNumSamples() + "]");
        }
        return Validation.ok();
    }

    private static Validation ruleReject(String message) {
        return Validation.reject(DeadLetterReason.STOPPING_RULE_INVALID, message);
    }

    private Validation decoding(String id, DecodingConfig d) {
        if (d == null) {
            return reject(DeadLetterReason.MISSING_FIELD, "decoding of request " + id + " is missing");
        }
        double t = d.getTemperature();
        if (!(t > 0 && t <= limits.maxTemperature())) {
            // T = 0 would make every "sample" the greedy output: the bounds would describe a point mass.
            return decodingReject("decoding.temperature " + t + " of request " + id + " is outside (0, "
                    + limits.maxTemperature() + "] (the greedy baseline is requested with drawGreedy)");
        }
        double p = d.getTopP();
        if (!(p > 0 && p <= 1)) {
            return decodingReject("decoding.topP " + p + " of request " + id + " is outside (0, 1]");
        }
        int k = d.getTopK();
        if (k < 0 || k > limits.maxTopK()) {
            return decodingReject("decoding.topK " + k + " of request " + id + " is outside [0, " + limits.maxTopK()
                    + "] (0 disables top-k)");
        }
        int m = d.getMaxNewTokens();
        if (m < 1 || m > limits.maxNewTokens()) {
            return decodingReject("decoding.maxNewTokens " + m + " of request " + id + " is outside [1, "
                    + limits.maxNewTokens() + "]");
        }
        if (!Double.isFinite(d.getAdaptiveTemperatureThreshold())) {
            // read only with adaptive temperature, but a NaN would make two equal requests compare unequal on a re-send
            return decodingReject("decoding.adaptiveTemperatureThreshold " + d.getAdaptiveTemperatureThreshold()
                    + " of request " + id + " is not a finite number");
        }
        if (d.getAdaptiveTemperature()) {
            double c = d.getAdaptiveTemperatureThreshold();
            if (!(c > 0 && c <= 1)) {
                return decodingReject(
                        "decoding.adaptiveTemperatureThreshold " + c + " of request " + id + " is outside (0, 1]");
            }
        }
        return Validation.ok();
    }

    private static Validation decodingReject(String message) {
        return Validation.reject(DeadLetterReason.DECODING_OUT_OF_RANGE, message);
    }

    private static Validation reject(DeadLetterReason reason, String message) {
        return Validation.reject(reason, message);
    }
}
