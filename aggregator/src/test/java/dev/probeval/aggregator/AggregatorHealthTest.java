package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.http.Health;
import dev.probeval.kafka.BrokerProbe;
import dev.probeval.kafka.Topics;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Test;

/** Liveness and readiness from the Streams state, the restore listener and a fake broker probe; no Kafka. */
class AggregatorHealthTest {
    static final String APP = "agg-health";

    /** A broker that answers (or not) with the topics the test sets. */
    static final class FakeProbe implements BrokerProbe {
        volatile Result next = Result.reachable(AggregatorHealth.requiredTopics(APP));

        @Override
        public Result probe() {
            return next;
        }
    }

    final FakeProbe probe = new FakeProbe();
    final AggregatorHealth health = new AggregatorHealth(probe, AggregatorHealth.requiredTopics(APP));

    @Test
    void requiredTopicsAreTheInputsAndTheRepartitionTopic() {
        assertEquals(
                Set.of(Topics.EVAL_REQUESTS.name(), Topics.SAMPLES.name(), APP + "-model-rollup-repartition"),
                AggregatorHealth.requiredTopics(APP));
    }

    @Test
    void startingIsAliveButNotReady() {
        Health h = health.current();
        assertEquals("STARTING", h.state());
        assertTrue(h.live());
        assertFalse(h.ready());
    }

    @Test
    void runningIsReadyOnlyWithABrokerThatAnswersAndEveryTopic() {
        health.onStateChange(State.RUNNING);
        Health ok = health.current();
        assertEquals("RUNNING", ok.state());
        assertTrue(ok.ready());
        assertEquals(true, ok.details().get("brokerReachable"));

        probe.next = BrokerProbe.Result.unreachable("no answer within 2000 ms");
        Health down = health.current();
        assertEquals("BROKER_UNREACHABLE", down.state(), "RUNNING is not ready while the broker is down");
        assertTrue(down.live(), "a broker outage is not a reason to restart the aggregator");
        assertFalse(down.ready());
        assertEquals("no answer within 2000 ms", down.details().get("brokerError"));

        probe.next = BrokerProbe.Result.reachable(Set.of(Topics.EVAL_REQUESTS.name(), Topics.SAMPLES.name()));
        Health missing = health.current();
        assertEquals("TOPICS_MISSING", missing.state());
        assertEquals(
                List.of(APP + "-model-rollup-repartition"), missing.details().get("missingTopics"));
        assertFalse(missing.ready());
    }

    @Test
    void restoringStoresKeepItNotReadyUntilTheyEnd() {
        health.onStateChange(State.REBALANCING);
        StateRestoreListener l = health.restoreListener();
        TopicPartition tp = new TopicPartition(APP + "-request-state-store-changelog", 0);
        l.onRestoreStart(tp, "request-state-store", 10, 110);
        health.onStateChange(State.RUNNING);
        Health r = health.current();
        assertEquals("RESTORING", r.state());
        assertEquals(100L, r.details().get("recordsToRestore"));
        assertFalse(r.ready());
        l.onRestoreEnd(tp, "request-state-store", 100);
        assertEquals("RUNNING", health.current().state());
        assertTrue(health.current().ready());
    }

    @Test
    void rebalancingIsNotReadyAndErrorIsNotAlive() {
        health.onStateChange(State.REBALANCING);
        assertEquals("REBALANCING", health.current().state());
        assertFalse(health.current().ready());
        health.onThreadError(new IllegalStateException("boom"));
        health.onStateChange(State.ERROR);
        Health e = health.current();
        assertEquals("ERROR", e.state());
        assertFalse(e.live());
        assertEquals("IllegalStateException: boom", e.details().get("lastError"));
    }

    @Test
    void aStreamThreadFailingOverAndOverIsNotAliveAndItsErrorIsClipped() {
        long[] now = {1_000_000};
        AggregatorHealth h = new AggregatorHealth(probe, AggregatorHealth.requiredTopics(APP), () -> now[0]);
        h.onStateChange(State.RUNNING);
        for (int i = 1; i < AggregatorHealth.CRASH_LOOP_FAILURES; i++) {
            h.onThreadError(new IllegalStateException("suite " + "s".repeat(100_000)));
            now[0] += 1000;
        }
        assertTrue(h.current().live(), "fewer failures than the threshold: still alive");
        String lastError = (String) h.current().details().get("lastError");
        assertTrue(lastError.length() < 500 && lastError.contains("100006 chars"), lastError);
        h.onThreadError(new IllegalStateException("again"));
        Health loop = h.current();
        assertEquals("CRASH_LOOP", loop.state());
        assertFalse(loop.live());
        now[0] += AggregatorHealth.CRASH_LOOP_WINDOW_MS;
        assertTrue(h.current().live(), "failures older than the window no longer count");
    }
}
