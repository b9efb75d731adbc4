package dev.probeval.worker;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records polled but not yet started, and the one request in flight. Worker thread only (the rebalance listener
 * runs inside {@code poll} on that thread).
 */
final class WorkQueue {
    private final Deque<ConsumerRecord<byte[], byte[]>> queued = new ArrayDeque<>();
    private final WorkerMetrics metrics;
    private InFlight current;

    WorkQueue(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Whether there is work: a request in flight or a record waiting. */
    boolean busy() {
        return current != null || !queued.isEmpty();
    }

    void add(ConsumerRecord<byte[], byte[]> rec) {
        queued.add(rec);
    }

    /** The next waiting record, or null. */
    ConsumerRecord<byte[], byte[]> pollQueued() {
        return queued.poll();
    }

    int queuedCount() {
        return queued.size();
    }

    InFlight current() {
        return current;
    }

    /** Starts drawing {@code f}. */
    void begin(InFlight f, boolean resumed) {
        current = f;
        metrics.requestStarted(resumed);
    }

    /** The request in flight ended: completed, dead-lettered, handed over or abandoned after an error. */
    void endCurrent(boolean completed) {
        if (current != null) {
            current = null;
            metrics.requestEnded(completed);
        }
    }

    /** Forgets all waiting records and the request in flight (they are read again from the committed offsets). */
    void clear() {
        queued.clear();
        endCurrent(false);
    }

    /**
     * Drops what belongs to {@code partitions}; returns the request in flight if it was one of them (it ends
     * uncompleted), else null.
     */
    InFlight drop(Collection<TopicPartition> partitions) {
        queued.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        if (current != null && partitions.contains(current.tp)) {
            InFlight dropped = current;
            endCurrent(false);
            return dropped;
        }
        return null;
    }
}
