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

  /** The request in progress on {@code tp} committed its last chunk. */
  void completed(TopicPartition tp) {
    progress.remove(tp);
  }

  /** The partitions are no longer ours: their next owner reads the progress from the committed offsets. */
  void forget(Collection<TopicPartition> partitions) {
    partitions.forEach(progress::remove);
  }

  /** The known progress of a partition. */
  Optional<Progress> progress(TopicPartition tp) {
    return Optional.ofNullable(progress.get(tp));
  }
}
