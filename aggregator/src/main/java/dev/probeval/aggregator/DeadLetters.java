package dev.probeval.aggregator;

import dev.probeval.avro.DeadLetter;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.RequestLimits;
import dev.probeval.core.text.Texts;
import dev.probeval.kafka.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Builds {@link DeadLetter} records for the record a processor is working on, keeping its bytes unchanged up to a
 * bound: a key beyond {@value #MAX_KEY_BYTES} bytes or a value beyond {@value #MAX_VALUE_BYTES} bytes is kept as its
 * prefix with its full size in {@code keyTruncatedFrom} / {@code valueTruncatedFrom}, and the reason is cut at
 * {@value #MAX_REASON_CHARS} characters, so a dead letter always fits under Kafka's default 1 MB record limit, whatever
 * record it describes (the largest request the contract allows, {@code RequestLimits#MAX_REQUEST_BYTES_CEILING},
 * is kept whole).
 */
final class DeadLetters {
    /** Largest key kept whole; a request id is at most a few hundred UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 4096;
    /** Largest value kept whole: above the contract's largest request, below 1 MB with key and reason. */
    static final int MAX_VALUE_BYTES = RequestLimits.MAX_REQUEST_BYTES_CEILING;
    /** Longest reason kept. */
    static final int MAX_REASON_CHARS = 2000;

    private DeadLetters() {}

    /** The dead letter's key ({@link Topics#deadLetterKey}) and value for the current input record. */
    static org.apache.kafka.streams.processor.api.Record<String, Object> of(
            ProcessorContext<String, Object> ctx,
            org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record,
            DeadLetterReason code,
            String errorClass,
            String reason) {
        Optional<RecordMetadata> meta = ctx.recordMetadata();
        String topic = meta.map(RecordMetadata::topic).orElse("unknown");
        int partition = meta.map(RecordMetadata::partition).orElse(-1);
        long offset = meta.map(RecordMetadata::offset).orElse(-1L);
        return of(ctx, record, code, errorClass, reason, topic, partition, offset);
    }

    /**
     * The dead letter for a record read earlier from {@code topic}/{@code partition}/{@code offset} (a buffered early
     * sample dead-lettered or counted later, when the current record or punctuation is another one).
     */
    static org.apache.kafka.streams.processor.api.Record<String, Object> of(
            ProcessorContext<String, Object> ctx,
            org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record,
            DeadLetterReason code,
            String errorClass,
            String reason,
            String topic,
            int partition,
            long offset) {
        DeadLetter dl = DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(prefix(record.key(), MAX_KEY_BYTES))
                .setKeyTruncatedFrom(truncatedFrom(record.key(), MAX_KEY_BYTES))
                .setValue(prefix(record.value(), MAX_VALUE_BYTES))
                .setValueTruncatedFrom(truncatedFrom(record.value(), MAX_VALUE_BYTES))
                .setErrorClass(Texts.clip(errorClass, 200))
                .setReason(
                        reason == null
                                ? ""
                                : reason.length() <= MAX_REASON_CHARS ? reason : Texts.clip(reason, MAX_REASON_CHARS))
                .setReasonCode(code.code())
                .setFailedAt(Instant.ofEpochMilli(ctx.currentSystemTimeMs()))
                .build();
        return record.withKey(Topics.deadLetterKey(topic, partition, offset)).withValue((Object) dl);
    }

    static ByteBuffer prefix(byte[] b, int max) {
        return b == null ? null : ByteBuffer.wrap(b, 0, Math.min(b.length, max)).slice();
    }

    static Integer truncatedFrom(byte[] b, int max) {
        return b == null || b.length <= max ? null : b.length;
    }
}
