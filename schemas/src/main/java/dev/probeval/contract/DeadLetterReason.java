package dev.probeval.contract;

/**
 * Every reason code a probeval service gives for a dead letter ({@code DeadLetter.reasonCode}) or for a rejected
 * request ({@code ScoredSample.rejectionReason}, the aggregator's REJECTED status). One vocabulary for the worker, the
 * aggregator and the producer; the name is the code.
 */
public enum DeadLetterReason {
    /** The bytes are not a Confluent-framed Avro record of the topic's type (bad magic byte, truncated, malformed). */
    UNDESERIALIZABLE,
    /** The record's schema id is not in the registry. */
    UNKNOWN_SCHEMA_ID,
    /** The writer schema cannot be read as the expected type. */
    INCOMPATIBLE_SCHEMA,
    /** The record has no key (requests and samples are keyed by request id). */
    MISSING_KEY,
    /** A sample record with a null value (only requests may be tombstoned). */
    MISSING_VALUE,
    /** The key differs from the value's request id. */
    KEY_MISMATCH,
    /** A required string field (requestId, modelVersion, promptId, suite, split) is empty. */
    MISSING_FIELD,
    /**
     * An identifier, attribute key or value, or strip prefix longer than its limit ({@link RequestLimits#maxIdChars()},
     * {@link RequestLimits#maxAttributeChars()}).
     */
    FIELD_TOO_LONG,
    /**
     * A field holds a character it may not: a control or Unicode format character in an identifier or attribute key, a
     * control character in an attribute value, an unpaired surrogate in any text, or {@code '|'} in modelVersion, suite
     * or split (the separator of the roll-up's group key).
     */
    INVALID_CHARACTER,
    /** More attributes or strip prefixes than {@link RequestLimits#maxAttributes()}, {@link RequestLimits#maxStripPrefixes()}. */
    TOO_MANY_ENTRIES,
    /** The encoded request is larger than {@link RequestLimits#maxRequestBytes()}. */
    REQUEST_TOO_LARGE,
    /** A reference the request's metric cannot use (for {@code regex}: not a valid pattern, or too long). */
    INVALID_REFERENCE,
    /** numSamples outside [1, {@link RequestLimits#maxNumSamples()}]. */
    NUM_SAMPLES_OUT_OF_RANGE,
    /** α outside ({@link RequestLimits#minAlphaExclusive()}, {@link RequestLimits#maxAlpha()}], default (0, 0.5]. */
    ALPHA_OUT_OF_RANGE,
    /** Leak threshold τ outside [0, 1] or not a number. */
    LEAK_THRESHOLD_OUT_OF_RANGE,
    /** The scorer's metric is not one core knows (names and aliases of {@code dev.probeval.core.scoring.Scorers}). */
    UNKNOWN_METRIC,
    /** A reference-based metric with no references to score against. */
    MISSING_REFERENCES,
    /** More references than {@link RequestLimits#maxReferences()}. */
    TOO_MANY_REFERENCES,
    /** A reference longer than {@link RequestLimits#maxReferenceChars()}. */
    REFERENCE_TOO_LONG,
    /** A prompt longer than {@link RequestLimits#maxPromptChars()}. */
    PROMPT_TOO_LONG,
    /** A decoding parameter outside its range (temperature, topP, topK, maxNewTokens, adaptive threshold). */
    DECODING_OUT_OF_RANGE,
    /** A declared suiteSize outside [1, {@link RequestLimits#maxSuiteSize()}]. */
    SUITE_SIZE_OUT_OF_RANGE,
    /**
     * A stopping rule on a request whose boundMode is not ANYTIME: stopping when a fixed-n bound (CONBO, SOUND) crosses
     * a threshold voids its guarantee (paper-spec 8.3); only the ANYTIME confidence sequences allow it.
     */
    STOPPING_RULE_NOT_ANYTIME,
    /** A stopping rule with a value out of range (threshold or at outside [0, 1], at missing for M_GEN or set for M_MU, minSamples outside [1, numSamples]). */
    STOPPING_RULE_INVALID,
    /** A request id was re-sent with different evaluation parameters after samples were counted. */
    CONFLICTING_REQUEST,
    /** A sample for a request id the aggregator has not seen, with no room in the early-sample buffer. */
    UNKNOWN_REQUEST,
    /** A sample buffered because it arrived before its request, whose request did not arrive before the deadline. */
    EARLY_SAMPLE_EXPIRED,
    /** Score NaN or infinite. */
    SCORE_NOT_FINITE,
    /** Score outside [0,1]. */
    SCORE_OUT_OF_RANGE,
    /** Sampled index outside [0, numSamples), or a greedy baseline whose index is not -1. */
    SAMPLE_INDEX_OUT_OF_RANGE,
    /** The sample id is not SampleIds.sampleId(requestId, sampleIndex). */
    SAMPLE_ID_MISMATCH,
    /** Worker side: no model is configured for the request's model version (the request ends REJECTED). */
    UNKNOWN_MODEL_VERSION,
    /** Worker side: the configured model could not be opened. */
    MODEL_UNAVAILABLE,
    /** Worker side: the request is within the contract but beyond this worker's own limits (numSamples, maxNewTokens). */
    WORKER_LIMIT_EXCEEDED,
    /** Worker side: the backend failed while generating. */
    GENERATION_FAILED,
    /**
     * Worker side: the model's serving endpoint (HTTP sampler backend) stayed unreachable, timed out, rate-limited or
     * failed with 5xx past the endpoint's outage deadline; the chunks committed before the outage stay counted.
     */
    ENDPOINT_UNAVAILABLE,
    /** Worker side: the scorer failed on an output. */
    SCORING_FAILED,
    /**
     * Aggregator side: processing the record threw on every one of its bounded tries (a defect, not the record's
     * contract); the record is dead-lettered so its partition moves on.
     */
    PROCESSING_FAILED,
    /**
     * An output derived from the record could not be produced (too large, not serializable) on every one of its bounded
     * tries. Aggregator: the output is dropped, the source record dead-lettered. Worker: the request ends REJECTED (or,
     * when not even that notice can be produced, is skipped and counted).
     */
    PRODUCTION_FAILED,
    /** Written by a producer before reason codes existed (the DeadLetter schema's default). */
    UNSPECIFIED;

    /** The code as written in {@code DeadLetter.reasonCode}. */
    public String code() {
        return name();
    }

    /** The reason with this code, or {@link #UNSPECIFIED} for null or an unknown code (a newer writer). */
    public static DeadLetterReason fromCode(String code) {
        if (code != null) {
            for (DeadLetterReason r : values()) {
                if (r.name().equals(code)) {
                    return r;
                }
            }
        }
        return UNSPECIFIED;
    }
}
