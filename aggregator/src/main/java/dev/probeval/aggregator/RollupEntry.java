package dev.probeval.aggregator;

import dev.probeval.avro.PromptBounds;
import dev.probeval.serde.AvroClassSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the per-request stage sends to the model roll-up, keyed by {@code modelVersion|suite|split}: the request's
 * latest bounds and its serialized accumulator, so the roll-up can recompute M_μ at α/Q for the Bonferroni suite
 * bound. Travels through the internal repartition topic {@code <app>-model-rollup-repartition} and is what the
 * {@value AggregatorTopology#MODEL_REQUESTS_STORE} store holds; plain Avro single-object encoding, no registry (an
 * internal topic read only by the same code).
 */
record RollupEntry(PromptBounds bounds, byte[] accumulator) {

    byte[] toBytes() {
        try {
            ByteBuffer pb = bounds.toByteBuffer();
            ByteBuffer b = ByteBuffer.allocate(4 + accumulator.length + pb.remaining());
            b.putInt(accumulator.length).put(accumulator).put(pb);
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RollupEntry fromBytes(byte[] bytes) {
        AvroClassSecurity.trustProbevalClasses();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] acc = new byte[b.getInt()];
        b.get(acc);
        try {
            return new RollupEntry(PromptBounds.fromByteBuffer(b.slice()), acc);
        } catch (IOException e) {
            throw new SerializationException("cannot decode a roll-up entry: " + e.getMessage(), e);
        }
    }

    RequestAccumulator accumulatorObject() {
        return RequestAccumulator.fromBytes(accumulator);
    }

    static Serde<RollupEntry> serde() {
        Serializer<RollupEntry> ser = (topic, e) -> e == null ? null : e.toBytes();
        Deserializer<RollupEntry> de = (topic, b) -> b == null ? null : fromBytes(b);
        return Serdes.serdeFrom(ser, de);
    }
}
