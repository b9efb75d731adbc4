package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionException;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/** How the aggregator's {@code terminated()} future reads Kafka Streams' state changes. */
class StreamsTerminationTest {

    @Test
    void errorStateShouldFailTheFutureNamingTheStateAndTheLastThreadError() {
        StreamsTermination t = new StreamsTermination();
        t.onStateChange(State.RUNNING, State.REBALANCING);
        assertFalse(t.future().isDone());
        t.onThreadError(new RuntimeException("wrapper", new IllegalStateException("fenced")));
        t.onStateChange(State.PENDING_ERROR, State.RUNNING);
        t.onStateChange(State.ERROR, State.PENDING_ERROR);
        CompletionException e =
                assertThrows(CompletionException.class, () -> t.future().join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("to ERROR"), e.getCause().getMessage());
        assertTrue(
                e.getCause().getMessage().contains("IllegalStateException: fenced"),
                e.getCause().getMessage());
        t.closing();
        t.closed();
        assertTrue(t.future().isCompletedExceptionally(), "closing after the failure keeps the failure");
    }

    @Test
    void stoppingWithoutCloseShouldFailTheFuture() {
        StreamsTermination t = new StreamsTermination();
        t.onStateChange(State.PENDING_SHUTDOWN, State.RUNNING);
        t.onStateChange(State.NOT_RUNNING, State.PENDING_SHUTDOWN);
        assertTrue(t.future().isCompletedExceptionally());
    }

    @Test
    void closeShouldCompleteTheFutureNormally() {
        StreamsTermination t = new StreamsTermination();
        t.onStateChange(State.RUNNING, State.REBALANCING);
        t.closing();
        t.onStateChange(State.PENDING_SHUTDOWN, State.RUNNING);
        t.onStateChange(State.NOT_RUNNING, State.PENDING_SHUTDOWN);
        assertFalse(t.future().isDone(), "done only once close() has finished");
        t.closed();
        assertTrue(t.future().isDone() && !t.future().isCompletedExceptionally());
    }
}
