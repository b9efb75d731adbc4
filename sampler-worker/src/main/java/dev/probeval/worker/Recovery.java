package dev.probeval.worker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where each owned partition's unfinished request stands, as its committed offset's {@link Progress} metadata says
 * (see docs/worker.md, "Transactions and recovery"). Loaded when a partition is assigned and after an aborted
 * transaction, updated after each committed chunk, and asked where to resume when a request record is read.
 */
final class Recovery {
    private final Map<TopicPartition, Progress> progress = new HashMap<>();
    private final CompletedRequests completed = new CompletedRequests();

    /** Reads the committed progress of newly assigned partitions (no or foreign metadata: none). */
    void load(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata om = committed.get(tp);
            Optional<Progress> p = om == null ? Optional.empty() : Progress.decode(om.metadata());
            p.ifPresentOrElse(v -> progress.put(tp, v), () -> progress.remove(tp));
            completed.load(tp, om == null ? null : om.metadata());
        }
    }

    /**
     * After an aborted transaction: seeks every assigned partition back to its committed offset (its beginning when
     * nothing is committed) and reloads the committed progress, so everything read but not committed is read again.
     */
    void rewind(Consumer<?, ?> consumer) {
        progress.clear();
        Collection<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned));
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata om = committed.get(tp);
            if (om == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, om);
                Progress.decode(om.metadata()).ifPresent(p -> progress.put(tp, p));
                completed.load(tp, om.metadata());
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
    }

    /** The sample index to start the request {@code vr} read at {@code offset} of {@code tp} from (0: afresh). */
    int resumeIndex(TopicPartition tp, long offset, ValidatedRequest vr) {
        Progress p = progress.get(tp);
        return p == null ? 0 : p.resumeIndex(offset, vr.requestId(), vr.numSamples());
    }

    /** A chunk of an unfinished request committed this progress. */
    void committed(TopicPartition tp, Progress p) {
        progress.put(tp, p);
    }

    /**
     * The request in progress on {@code tp} committed its last chunk, with metadata from
     * {@link #metadata(TopicPartition, Progress, String)} naming {@code fingerprint} (null: not remembered).
     */
    void completed(TopicPartition tp, String fingerprint) {
        progress.remove(tp);
        if (fingerprint != null) {
            completed.completed(tp, fingerprint);
        }
    }

    /** Whether a request with this fingerprint ({@link CompletedRequests#fingerprint}) had all its samples committed. */
    boolean isComplete(String fingerprint) {
        return completed.contains(fingerprint);
    }

    /**
     * The metadata a transaction on {@code tp} commits: {@code p} (null: none) after the partition's recent
     * completions, plus {@code completing} (the fingerprint of the request this transaction completes, or null).
     * Every commit on a partition goes through here, so no commit drops the completions line.
     */
    String metadata(TopicPartition tp, Progress p, String completing) {
        String text = p == null ? "" : p.encode();
        return completed.metadata(tp, text.length() <= ChunkRunner.MAX_PROGRESS_METADATA ? text : "", completing);
    }

    /** The partitions are no longer ours: their next owner reads the progress from the committed offsets. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(progress::remove);
        completed.forget(partitions);
    }

    /** The known progress of a partition. */
    Optional<Progress> progress(TopicPartition tp) {
        return Optional.ofNullable(progress.get(tp));
    }
}
