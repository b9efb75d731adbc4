package dev.probeval.aggregator;

import dev.probeval.http.Health;
import dev.probeval.kafka.BrokerProbe;
import dev.probeval.kafka.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * The aggregator's liveness and readiness, from three sources: the Kafka Streams state (told through
 * {@link #onStateChange}), the state stores being restored (this class's {@link #restoreListener()}, registered as
 * Streams' global restore listener) and a {@link BrokerProbe} (is the broker answering, do the input topics and the
 * repartition topic exist).
 *
 * <p>Alive unless Streams failed for good ({@code ERROR}, or stopped: {@code NOT_RUNNING}) or is stuck in a loop of
 * stream-thread failures ({@code CRASH_LOOP}: {@value #CRASH_LOOP_FAILURES} or more in the last
 * {@value #CRASH_LOOP_WINDOW_MS} ms, e.g. the registry unreachable for minutes; a poison record cannot cause it, it is
 * dead-lettered after a few tries). Ready only when Streams
 * is {@code RUNNING}, nothing is restoring, the broker answers and the required topics exist. The state named in the
 * answer is the first of: {@code ERROR} / {@code NOT_RUNNING} / {@code PENDING_SHUTDOWN}, {@code STARTING} (created,
 * not started), {@code BROKER_UNREACHABLE}, {@code TOPICS_MISSING}, {@code RESTORING}, {@code REBALANCING},
 * {@code RUNNING}.
 */
final class AggregatorHealth {
    /** Stream-thread failures within {@link #CRASH_LOOP_WINDOW_MS} that make the aggregator not alive. */
    static final int CRASH_LOOP_FAILURES = 10;
    /** The window in which {@link #CRASH_LOOP_FAILURES} are counted: five minutes. */
    static final long CRASH_LOOP_WINDOW_MS = 300_000;

    private final java.util.ArrayDeque<Long> failures = new java.util.ArrayDeque<>();
    private final java.util.function.LongSupplier clock;
    private final BrokerProbe probe;
    private final Set<String> requiredTopics;
    private final Map<String, Long> restoring = new ConcurrentHashMap<>();
    private volatile KafkaStreams.State streamsState = KafkaStreams.State.CREATED;
    private volatile String lastError;

    /** Health of an instance whose input topics are {@code requiredTopics}, with the broker asked through {@code probe}. */
    AggregatorHealth(BrokerProbe probe, Set<String> requiredTopics) {
        this(probe, requiredTopics, System::currentTimeMillis);
    }

    AggregatorHealth(BrokerProbe probe, Set<String> requiredTopics, java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.probe = probe;
        this.requiredTopics = Set.copyOf(requiredTopics);
    }

    /**
     * The topics an aggregator with {@code applicationId} reads: requests, samples and its model roll-up repartition
     * topic ({@code <application.id>-model-rollup-repartition}, created by Streams at its first rebalance).
     */
    static Set<String> requiredTopics(String applicationId) {
        return Set.of(
                Topics.EVAL_REQUESTS.name(),
                Topics.SAMPLES.name(),
                applicationId + "-" + AggregatorTopology.MODEL_ROLLUP_REPARTITION + "-repartition");
    }

    /** Streams' new state. */
    void onStateChange(KafkaStreams.State now) {
        this.streamsState = now;
    }

    /** The last stream-thread error, shown in the details. */
    void onThreadError(Throwable e) {
        // the message may quote a field of the record that failed
        this.lastError = e.getClass().getSimpleName() + ": " + dev.probeval.core.text.Texts.clip(e.getMessage(), 300);
        synchronized (failures) {
            failures.addLast(clock.getAsLong());
            while (failures.size() > CRASH_LOOP_FAILURES) {
                failures.removeFirst();
            }
        }
    }

    /** Whether {@link #CRASH_LOOP_FAILURES} thread failures happened within the last {@link #CRASH_LOOP_WINDOW_MS}. */
    private boolean crashLooping() {
        synchronized (failures) {
            return failures.size() >= CRASH_LOOP_FAILURES
                    && clock.getAsLong() - failures.peekFirst() <= CRASH_LOOP_WINDOW_MS;
        }
    }

    /** Counts the stores being restored (register it with {@code KafkaStreams#setGlobalStateRestoreListener}). */
    StateRestoreListener restoreListener() {
        return new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long startingOffset, long endingOffset) {
                restoring.put(store + "@" + tp, Math.max(0, endingOffset - startingOffset));
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long batchEndOffset, long numRestored) {}

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long totalRestored) {
                restoring.remove(store + "@" + tp);
            }

            @Override
            public void onRestoreSuspended(TopicPartition tp, String store, long totalRestored) {
                restoring.remove(store + "@" + tp);
            }
        };
    }

    /** The answer now (asks the probe, which caches, unless Streams is already failed or not started). */
    Health current() {
        KafkaStreams.State s = streamsState;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("streamsState", s.name());
        if (lastError != null) {
            d.put("lastError", lastError);
        }
        switch (s) {
            case ERROR, PENDING_ERROR:
                return Health.dead("ERROR", d);
            case NOT_RUNNING:
                return Health.dead("NOT_RUNNING", d);
            case PENDING_SHUTDOWN:
                return Health.notReady("PENDING_SHUTDOWN", d);
            case CREATED:
                return Health.notReady("STARTING", d);
            default:
                break;
        }
        if (crashLooping()) {
            d.put("recentThreadFailures", CRASH_LOOP_FAILURES);
            return Health.dead("CRASH_LOOP", d);
        }
        BrokerProbe.Result r = probe.probe();
        d.put("brokerReachable", r.reachable());
        if (!r.reachable()) {
            d.put("brokerError", r.error());
            return Health.notReady("BROKER_UNREACHABLE", d);
        }
        Set<String> missing = new TreeSet<>(requiredTopics);
        missing.removeAll(r.topics());
        if (!missing.isEmpty()) {
            d.put("missingTopics", List.copyOf(missing));
            return Health.notReady("TOPICS_MISSING", d);
        }
        Map<String, Long> now = Map.copyOf(restoring);
        if (!now.isEmpty()) {
            d.put("restoringStores", new TreeSet<>(now.keySet()));
            d.put(
                    "recordsToRestore",
                    now.values().stream().mapToLong(Long::longValue).sum());
            return Health.notReady("RESTORING", d);
        }
        if (s == KafkaStreams.State.RUNNING) {
            return Health.ready("RUNNING", d);
        }
        return Health.notReady(s.name(), d);
    }
}
