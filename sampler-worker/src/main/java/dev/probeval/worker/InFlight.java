package dev.probeval.worker;

import dev.probeval.core.bounds.EarlyStopping;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** A request being drawn: its record, what admission derived from it, and the chunks still to do. */
final class InFlight {
  final ConsumerRecord<byte[], byte[]> record;
  final TopicPartition tp;
  final ValidatedRequest request;
  final List<Chunk> chunks;
  /** The request's stopping rule, null without one. */
  final EarlyStopping stopping;
  /** The rule's tally after the committed chunks (null without a rule); replaced after each commit. */
  EarlyStopping.Tally tally;
  private int next;

  InFlight(ConsumerRecord<byte[], byte[]> record, ValidatedRequest request, List<Chunk> chunks) {
    this(record, request, chunks, null, null);
  }

  InFlight(ConsumerRecord<byte[], byte[]> record, ValidatedRequest request, List<Chunk> chunks,
      EarlyStopping stopping, EarlyStopping.Tally tally) {
    this.record = record;
    this.tp = new TopicPartition(record.topic(), record.partition());
    this.request = request;
    this.chunks = chunks;
    this.stopping = stopping;
    this.tally = tally;
  }

  /** The tally's text for the progress metadata, null without a rule. */
  String tallyText() {
    return tally == null ? null : tally.encode();
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
