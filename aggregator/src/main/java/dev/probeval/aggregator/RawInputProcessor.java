package dev.probeval.aggregator;

import dev.probeval.contract.DeadLetterReason;
import dev.probeval.serde.AvroDeserializationException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Base of the processors that read an input topic as raw bytes and deserialize inside the topology. Why not a
 * DeserializationExceptionHandler: a dead letter forwarded from here is produced by the task's own transactional
 * producer, so under exactly-once the dead letter, the state change and the input offset commit together or not at
 * all; a handler runs outside the processing of the record and cannot take part in that.
 *
 * <p>Poison records (bad magic byte, truncated, unknown schema id, incompatible schema) become dead letters. An
 * unreachable registry is not the record's fault: that exception propagates, the transaction aborts and the record is
 * processed again after the stream thread is replaced.
 */
abstract class RawInputProcessor<V extends SpecificRecord> implements Processor<byte[], byte[], String, Object> {
    protected final Deserializer<V> deserializer;
    protected final AggregatorMetrics metrics;
    protected ProcessorContext<String, Object> context;

    RawInputProcessor(Deserializer<V> deserializer, AggregatorMetrics metrics) {
        this.deserializer = deserializer;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public final void process(Record<byte[], byte[]> record) {
        if (record.key() == null) {
            deadLetter(record, DeadLetterReason.MISSING_KEY, "record has no key; expected the request id");
            return;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            tombstone(key, record);
            return;
        }
        String topic = context.recordMetadata().map(m -> m.topic()).orElse(null);
        V value;
        try {
            value = deserializer.deserialize(topic, record.value());
        } catch (AvroDeserializationException e) {
            if (!e.reason().isPoison()) {
                throw e;
            }
            DeadLetterReason reason = switch (e.reason()) {
                case UNKNOWN_SCHEMA_ID -> DeadLetterReason.UNKNOWN_SCHEMA_ID;
                case INCOMPATIBLE_SCHEMA -> DeadLetterReason.INCOMPATIBLE_SCHEMA;
                default -> DeadLetterReason.UNDESERIALIZABLE;
            };
            deadLetter(record, reason, e.getClass().getName(), e.getMessage());
            return;
        }
        process(key, value, record);
    }

    /** Handles one well-formed record. */
    abstract void process(String key, V value, Record<byte[], byte[]> raw);

    /** Handles a record with a null value. */
    abstract void tombstone(String key, Record<byte[], byte[]> raw);

    final void deadLetter(Record<byte[], byte[]> raw, DeadLetterReason reason, String message) {
        deadLetter(raw, reason, reason.name(), message);
    }

    final void deadLetter(Record<byte[], byte[]> raw, DeadLetterReason reason, String errorClass, String message) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("unknown");
        metrics.deadLetter(reason, topic);
        context.forward(DeadLetters.of(context, raw, reason, errorClass, message));
    }

    /** A dead letter for a record read earlier (its own source coordinates, not the current record's). */
    final void deadLetter(Record<byte[], byte[]> raw, DeadLetterReason reason, String message, Source source) {
        if (source == null) {
            deadLetter(raw, reason, message);
            return;
        }
        metrics.deadLetter(reason, source.topic());
        context.forward(DeadLetters.of(
                context, raw, reason, reason.name(), message, source.topic(), source.partition(), source.offset()));
    }

    /** Where a record was read from, when it is handled after its own processing (buffered early samples). */
    record Source(String topic, int partition, long offset) {}

    @Override
    public void close() {
        deserializer.close();
    }
}
