package dev.probeval.aggregator;

import dev.probeval.avro.DeadLetter;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds {@link DeadLetter} records for the record a processor is working on, keeping its bytes unchanged. */
final class DeadLetters {
  private DeadLetters() {}

  /** The dead letter's key ({@link Topics#deadLetterKey}) and value for the current input record. */
  static org.apache.kafka.streams.processor.api.Record<String, Object> of(ProcessorContext<String, Object> ctx,
      org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record, DeadLetterReason code, String errorClass,
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
  static org.apache.kafka.streams.processor.api.Record<String, Object> of(ProcessorContext<String, Object> ctx,
      org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record, DeadLetterReason code, String errorClass,
      String reason, String topic, int partition, long offset) {
    DeadLetter dl = DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
        .setErrorClass(errorClass)
        .setReason(reason)
        .setReasonCode(code.code())
        .setFailedAt(Instant.ofEpochMilli(ctx.currentSystemTimeMs()))
        .build();
    return record.withKey(Topics.deadLetterKey(topic, partition, offset)).withValue((Object) dl);
  }
}
