package dev.probeval.worker;

import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the work queue, the request in flight and the progress in step with the partitions this member owns. A
 * revoked or lost partition's work is dropped without committing anything (chunks commit before every poll, so no
 * transaction is open when this runs): the next owner resumes from the committed progress. An assigned partition's
 * committed progress is loaded, so its unfinished request resumes after the last committed chunk.
 */
final class RebalanceHandler implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(RebalanceHandler.class);

    private final Consumer<?, ?> consumer;
    private final WorkQueue work;
    private final Recovery recovery;

    RebalanceHandler(Consumer<?, ?> consumer, WorkQueue work, Recovery recovery) {
        this.consumer = consumer;
        this.work = work;
        this.recovery = recovery;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        recovery.load(consumer, partitions);
    }

    private void drop(Collection<TopicPartition> partitions) {
        InFlight dropped = work.drop(partitions);
        if (dropped != null) {
            LOG.info(
                    "Request {} handed over at chunk {} of {} (partition {} revoked)",
                    dropped.request.requestId(),
                    dropped.nextOrdinal(),
                    dropped.chunks.size(),
                    dropped.tp);
        }
        recovery.forget(partitions);
    }
}
