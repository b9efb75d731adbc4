package dev.probeval.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's wire format: byte 0 is the magic byte {@code 0}, bytes 1-4 the schema id (big-endian int), the rest
 * the Avro binary encoding of the record under that schema.
 */
public final class WireFormat {
    /** The only magic byte Confluent's format defines. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** Frames an Avro payload with the magic byte and schema id. */
    public static byte[] frame(int schemaId, byte[] avroPayload) {
        return ByteBuffer.allocate(HEADER_SIZE + avroPayload.length)
                .put(MAGIC_BYTE)
                .putInt(schemaId)
                .put(avroPayload)
                .array();
    }

    /**
     * Reads the schema id of a framed record, or throws {@link AvroDeserializationException} (TRUNCATED or
     * BAD_MAGIC_BYTE) naming what is wrong.
     */
    public static int schemaId(String topic, byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw new AvroDeserializationException(
                    AvroDeserializationException.Reason.TRUNCATED,
                    topic,
                    -1,
                    "record of " + data.length + " bytes is truncated: the Confluent wire format needs at least "
                            + HEADER_SIZE + " (magic byte and 4-byte schema id)");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new AvroDeserializationException(
                    AvroDeserializationException.Reason.BAD_MAGIC_BYTE,
                    topic,
                    -1,
                    String.format(
                            "unknown magic byte 0x%02x; the Confluent wire format starts with 0x00 "
                                    + "(was this record written by a Confluent-compatible Avro serializer?)",
                            data[0] & 0xff));
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }
}
