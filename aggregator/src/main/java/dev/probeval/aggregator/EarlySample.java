package dev.probeval.aggregator;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A sample record that arrived before its request, as kept in {@value AggregatorTopology#EARLY_SAMPLES_STORE}
 * until the request arrives (then it is counted) or its deadline passes (then it is dead-lettered): the record's
 * key and value bytes unchanged, where it was read from (for the dead letter) and when it was buffered (wall clock,
 * for the deadline, so a restart keeps the original deadline).
 */
record EarlySample(
        long bufferedAtMs, String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    private static final byte FORMAT = 1;

    /** Store key: request id, NUL, the source offset as 16 hex digits, so a prefix scan yields arrival order. */
    static String storeKey(String requestId, long offset) {
        return requestId + '\0' + String.format("%016x", offset);
    }

    /** Bytes a buffered sample holds: its record's key and value (what the buffer's byte budget counts). */
    static long size(byte[] key, byte[] value) {
        return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    }

    long size() {
        return size(key(), value());
    }

    static String prefix(String requestId) {
        return requestId + '\0';
    }

    static String requestIdOf(String storeKey) {
        return storeKey.substring(0, storeKey.lastIndexOf('\0'));
    }

    byte[] toBytes() {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + t.length + 4 + 8 + 8 + 4 + key.length + 4 + value.length);
        b.put(FORMAT)
                .putLong(bufferedAtMs)
                .putInt(t.length)
                .put(t)
                .putInt(partition)
                .putLong(offset)
                .putLong(timestamp)
                .putInt(key.length)
                .put(key)
                .putInt(value.length)
                .put(value);
        return b.array();
    }

    static EarlySample fromBytes(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != FORMAT) {
                throw new SerializationException("unknown early-sample format");
            }
            long at = b.getLong();
            byte[] t = new byte[b.getInt()];
            b.get(t);
            int partition = b.getInt();
            long offset = b.getLong();
            long ts = b.getLong();
            byte[] k = new byte[b.getInt()];
            b.get(k);
            byte[] v = new byte[b.getInt()];
            b.get(v);
            return new EarlySample(
                    at, new String(t, java.nio.charset.StandardCharsets.UTF_8), partition, offset, ts, k, v);
        } catch (RuntimeException e) {
            throw new SerializationException("corrupt early-sample entry: " + e.getMessage(), e);
        }
    }

    static Serde<EarlySample> serde() {
        Serializer<EarlySample> ser = (topic, s) -> s == null ? null : s.toBytes();
        Deserializer<EarlySample> de = (topic, b) -> b == null ? null : fromBytes(b);
        return Serdes.serdeFrom(ser, de);
    }
}
