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
    /** The request's {@link CompletedRequests#fingerprint}, recorded when its last chunk commits; null: not recorded. */
    final String fingerprint;

    private int next;

    InFlight(ConsumerRecord<byte[], byte[]> record, ValidatedRequest request, List<Chunk> chunks) {
        this(record, request, chunks, null, null, null);
    }

    InFlight(
            ConsumerRecord<byte[], byte[]> record,
            ValidatedRequest request,
            List<Chunk> chunks,
            EarlyStopping stopping,
            EarlyStopping.Tally tally,
            String fingerprint) {
        this.fingerprint = fingerprint;
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

    /** When the current outage of the model's endpoint began ({@link System#nanoTime()}); 0: none. */
    private long outageSince;
    /** Not before this {@link System#nanoTime()} is the next chunk drawn (after an outage); 0: now. */
    private long retryAt;

    /** The outage's start, set to {@code now} if none is running. */
    long outageStarted(long now) {
        if (outageSince == 0) {
            outageSince = now == 0 ? 1 : now;
        }
        return outageSince;
    }

    /** A chunk was drawn: the endpoint is up. */
    void endOutage() {
        outageSince = 0;
        retryAt = 0;
    }

    void retryAt(long nanos) {
        retryAt = nanos;
    }

    /** Nanoseconds until the next chunk may be drawn (0 or less: now). */
    long nanosUntilRetry(long now) {
        return retryAt == 0 ? 0 : retryAt - now;
    }

    /** The chunk drawn last committed. */
    void advance() {
        next++;
    }
}
