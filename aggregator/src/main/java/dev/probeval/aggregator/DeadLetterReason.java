package dev.probeval.aggregator;

/**
 * Why the aggregator dead-lettered a record. The name is the DeadLetter's {@code errorClass} for validation failures
 * and the {@code reason} tag of the {@code probeval.aggregator.dead.letters} counter.
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
  /** The key differs from the value's request id. */
  KEY_MISMATCH,
  /** α outside (0, 0.5] (the one-sided Massart constant needs α ≤ 1/2, paper-spec 8.6). */
  ALPHA_OUT_OF_RANGE,
  /** Another request field is invalid (n < 1, τ outside [0,1]). */
  INVALID_REQUEST,
  /** A request id was re-sent with different evaluation parameters after samples were counted. */
  CONFLICTING_REQUEST,
  /** A sample for a request id the aggregator has not seen. */
  UNKNOWN_REQUEST,
  /** Score NaN or infinite. */
  SCORE_NOT_FINITE,
  /** Score outside [0,1]. */
  SCORE_OUT_OF_RANGE,
  /** Sampled index outside [0, numSamples), or a greedy baseline whose index is not -1. */
  SAMPLE_INDEX_OUT_OF_RANGE,
  /** The sample id is not SampleIds.sampleId(requestId, sampleIndex). */
  SAMPLE_ID_MISMATCH
}
