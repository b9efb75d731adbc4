package dev.probeval.worker;

/**
 * Why the worker dead-letters a request; the name is the dead letter's {@code errorClass} and a tag of the
 * {@code probeval.worker.errors} metric.
 */
public enum RejectReason {
  /** The value is not an EvalRequest in the Confluent wire format (or its schema id is unknown). */
  UNDESERIALIZABLE("Undeserializable"),
  /** The record key differs from the request id (samples are keyed, and co-partitioned, by request id). */
  KEY_MISMATCH("KeyMismatch"),
  /** No model path is configured for the request's model version on this worker. */
  UNKNOWN_MODEL_VERSION("UnknownModelVersion"),
  /** A field is out of range: n, α, τ, metric, references or decoding parameters. */
  INVALID_REQUEST("InvalidRequest"),
  /** The configured model could not be opened. */
  MODEL_UNAVAILABLE("ModelUnavailable"),
  /** The backend failed while generating (for example the prompt does not fit the model's context). */
  GENERATION_FAILED("GenerationFailed"),
  /** The scorer failed on an output (for example an invalid regular expression as reference). */
  SCORING_FAILED("ScoringFailed");

  private final String errorClass;

  RejectReason(String errorClass) {
    this.errorClass = errorClass;
  }

  /** The dead letter's errorClass. */
  public String errorClass() {
    return errorClass;
  }
}
