package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.serde.AvroDeserializationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decides what becomes of a request record before any sample is drawn: skipped (a tombstone), ignored (it breaks the
 * shared contract: the aggregator dead-letters it), rejected (a REJECTED record with the reason), or accepted for
 * drawing. Deserialization, validation and opening the model happen
 * here; no Kafka transaction does.
 */
final class Admission {
    /** What to do with one record. */
    sealed interface Decision permits Skip, Ignore, Reject, Accept {}

    /** A tombstone: it deletes a request from the compacted requests table, so there is nothing to draw. */
    record Skip() implements Decision {}

    /**
     * A record that breaks the shared request contract (or is not a request at all): skipped with its offset
     * committed and no dead letter, because the aggregator, which owns dead-lettering requests, writes the one dead
     * letter of this record.
     */
    record Ignore(DeadLetterReason reason, String message) implements Decision {}

    /**
     * A valid request this worker refuses (unknown model version, model cannot be opened, beyond this worker's
     * limits): a REJECTED record on the samples topic ends it in the aggregator.
     */
    record Reject(DeadLetterReason reason, String message, EvalRequest request) implements Decision {}

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
            return new Ignore(DeadLetterReason.UNDESERIALIZABLE, e.getMessage());
        }
        ValidatedRequest vr;
        try {
            vr = validator.validate(key, request);
        } catch (RejectedRequestException e) {
            return e.contractViolation()
                    ? new Ignore(e.reason(), e.getMessage())
                    : new Reject(e.reason(), e.getMessage(), request);
        }
        try {
            models.backend(vr.model().version());
        } catch (IOException | RuntimeException e) {
            return new Reject(
                    DeadLetterReason.MODEL_UNAVAILABLE,
                    "model version '" + vr.model().version() + "' (" + vr.model() + ") cannot be opened: "
                            + e.getMessage(),
                    request);
        }
        return new Accept(vr);
    }
}
