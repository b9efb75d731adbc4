package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.serde.AvroDeserializationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decides what becomes of a request record before any sample is drawn: skipped (a tombstone), rejected with the
 * reason its dead letter carries, or accepted for drawing. Deserialization, validation and opening the model happen
 * here; no Kafka transaction does.
 */
final class Admission {
  /** What to do with one record. */
  sealed interface Decision permits Skip, Reject, Accept {}

  /** A tombstone: it deletes a request from the compacted requests table, so there is nothing to draw. */
  record Skip() implements Decision {}

  /** A record that becomes a dead letter. */
  record Reject(RejectReason reason, String message) implements Decision {}

  /** A request to draw. */
  record Accept(ValidatedRequest request) implements Decision {}

  private final Deserializer<EvalRequest> deserializer;
  private final RequestValidator validator;
  private final ModelCache models;

  Admission(Deserializer<EvalRequest> deserializer, RequestValidator validator, ModelCache models) {
    this.deserializer = deserializer;
    this.validator = validator;
    this.models = models;
  }

  /**
   * The decision for one record.
   *
   * @throws AvroDeserializationException if the record cannot be read for a reason that is not its own (the registry
   *     is down): the caller retries, the record is fine
   */
  Decision admit(ConsumerRecord<byte[], byte[]> rec) {
    if (rec.value() == null) {
      return new Skip();
    }
    String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
    EvalRequest request;
    try {
      request = deserializer.deserialize(rec.topic(), rec.headers(), rec.value());
    } catch (AvroDeserializationException e) {
      if (!e.reason().isPoison()) {
        throw e;
      }
      return new Reject(RejectReason.UNDESERIALIZABLE, e.getMessage());
    }
    ValidatedRequest vr;
    try {
      vr = validator.validate(key, request);
    } catch (RejectedRequestException e) {
      return new Reject(e.reason(), e.getMessage());
    }
    try {
      models.backend(vr.model().version());
    } catch (IOException | RuntimeException e) {
      return new Reject(RejectReason.MODEL_UNAVAILABLE, "model version '" + vr.model().version() + "' ("
          + vr.model() + ") cannot be opened: " + e.getMessage());
    }
    return new Accept(vr);
  }
}
