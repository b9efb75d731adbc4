package dev.probeval.worker;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** A request being drawn: its record, what admission derived from it, and the chunks still to do. */
final class InFlight {
  final ConsumerRecord<byte[], byte[]> record;
  final TopicPartition tp;
  final ValidatedRequest request;
  final List<Chunk> chunks;
  private int next;

  InFlight(ConsumerRecord<byte[], byte[]> record, ValidatedRequest request, List<Chunk> chunks) {
    this.record = record;
    this.tp = new TopicPartition(record.topic(), record.partition());
    this.request = request;
    this.chunks = chunks;
  }

  /** The chunk to draw next. */
  Chunk nextChunk() {
    return chunks.get(next);
  }

  /** Index of the chunk to draw next in {@link #chunks}. */
  int nextOrdinal() {
    return next;
  }

  /** The chunk drawn last committed. */
  void advance() {
    next++;
  }
}
