package dev.probeval.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record could not be deserialized. {@link #reason()} says why in a machine-readable way, so a service can route
 * bad data to the dead-letter topic ({@link Reason#isPoison()}) while retrying when only the registry is down.
 */
public final class AvroDeserializationException extends SerializationException {

    /** Why deserialization failed. */
    public enum Reason {
        /** Fewer bytes than the header, or the Avro payload ends early. */
        TRUNCATED(true),
        /** The first byte is not Confluent's magic byte 0. */
        BAD_MAGIC_BYTE(true),
        /** The registry has no schema with the record's id. */
        UNKNOWN_SCHEMA_ID(true),
        /** The writer schema cannot be resolved to the reader's type (different record, incompatible field types). */
        INCOMPATIBLE_SCHEMA(true),
        /** The Avro bytes do not decode under the writer schema, or bytes are left over after the record. */
        MALFORMED_PAYLOAD(true),
        /** The registry could not be reached or failed (5xx): nothing is known to be wrong with the record. */
        REGISTRY_UNAVAILABLE(false);

        private final boolean poison;

        Reason(boolean poison) {
            this.poison = poison;
        }

        /** True when the record itself is bad and retrying cannot help (dead-letter it). */
        public boolean isPoison() {
            return poison;
        }
    }

    private final Reason reason;
    private final String topic;
    private final int schemaId;

    public AvroDeserializationException(Reason reason, String topic, int schemaId, String detail) {
        this(reason, topic, schemaId, detail, null);
    }

    public AvroDeserializationException(Reason reason, String topic, int schemaId, String detail, Throwable cause) {
        super(
                reason + (topic == null ? "" : " in topic " + topic)
                        + (schemaId >= 0 ? " (schema id " + schemaId + ")" : "") + ": " + detail,
                cause);
        this.reason = reason;
        this.topic = topic;
        this.schemaId = schemaId;
    }

    public Reason reason() {
        return reason;
    }

    /** The topic the record came from, when known. */
    public String topic() {
        return topic;
    }

    /** The schema id read from the record, or -1 when the header was unreadable. */
    public int schemaId() {
        return schemaId;
    }
}
