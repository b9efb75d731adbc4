package dev.probeval.aggregator;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Turns Kafka Streams' state changes into one future that says how the aggregator ended: normally once {@link
 * Aggregator#close()} has finished, exceptionally as soon as Streams reaches {@code ERROR} or stops without being
 * asked to. Kept apart from {@link Aggregator} so that its rules have unit tests without a broker.
 */
final class StreamsTermination {
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile Throwable lastThreadError;

    CompletableFuture<Void> future() {
        return terminated;
    }

    /** The state listener's half: a state Streams reaches on its own that means it will not process again. */
    void onStateChange(KafkaStreams.State now, KafkaStreams.State before) {
        if (now == KafkaStreams.State.ERROR) {
            terminated.completeExceptionally(failure("Kafka Streams went from " + before + " to ERROR: every stream "
                    + "thread died or the client was shut down on an error"));
        } else if (now == KafkaStreams.State.NOT_RUNNING && !closing) {
            terminated.completeExceptionally(
                    failure("Kafka Streams stopped (" + before + " -> NOT_RUNNING) without " + "being closed"));
        }
    }

    /** Remembers the latest stream-thread error, so the failure names a cause and not only a state. */
    void onThreadError(Throwable t) {
        lastThreadError = t;
    }

    /** Called first thing in {@link Aggregator#close()}: the NOT_RUNNING that follows is asked for. */
    void closing() {
        closing = true;
    }

    /** Called last in {@link Aggregator#close()}; a failure recorded before stays the outcome. */
    void closed() {
        terminated.complete(null);
    }

    private IllegalStateException failure(String message) {
        Throwable cause = lastThreadError;
        return cause == null
                ? new IllegalStateException(message)
                : new IllegalStateException(message + "; last error: " + rootMessage(cause), cause);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
