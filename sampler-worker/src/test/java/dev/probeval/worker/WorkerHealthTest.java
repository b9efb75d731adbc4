package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.http.Health;
import dev.probeval.kafka.BrokerProbe;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worker's liveness and readiness from fake loop signals and a fake broker probe; no Kafka. */
class WorkerHealthTest {
    static final class FakeSignals implements WorkerHealth.Signals {
        volatile boolean stopped;
        volatile Throwable failure;
        volatile String phase = "STARTING";
        volatile int assigned = -1;
        volatile long sincePoll = -1;
        volatile long retrying = -1;

        @Override
        public boolean stopped() {
            return stopped;
        }

        @Override
        public Throwable failure() {
            return failure;
        }

        @Override
        public String phase() {
            return phase;
        }

        @Override
        public int assignedPartitions() {
            return assigned;
        }

        @Override
        public long nanosSinceLastPoll() {
            return sincePoll;
        }

        @Override
        public long nanosRetrying() {
            return retrying;
        }
    }

    final FakeSignals signals = new FakeSignals();
    volatile BrokerProbe.Result broker = BrokerProbe.Result.reachable(Set.of());
    final WorkerHealth health = new WorkerHealth(signals, () -> broker, Duration.ofSeconds(5), Duration.ofSeconds(30));

    @Test
    void startingAndLoadingModelsAreAliveButNotReady() {
        assertEquals("STARTING", health.current().state());
        assertTrue(health.current().live());
        assertFalse(health.current().ready());
        signals.phase = "LOADING_MODELS";
        assertEquals("LOADING_MODELS", health.current().state());
        assertFalse(health.current().ready());
    }

    @Test
    void readyOnlyWhenAssignedPollingAndTheBrokerAnswers() {
        signals.phase = "JOINING";
        assertEquals("JOINING", health.current().state());
        signals.phase = "RUNNING";
        signals.assigned = 2;
        signals.sincePoll = Duration.ofMillis(150).toNanos();
        Health ok = health.current();
        assertEquals("RUNNING", ok.state());
        assertTrue(ok.ready());
        assertEquals(2, ok.details().get("assignedPartitions"));
        assertEquals(150L, ok.details().get("msSinceLastPoll"));

        broker = BrokerProbe.Result.unreachable("no answer within 2000 ms");
        Health down = health.current();
        assertEquals("BROKER_UNREACHABLE", down.state());
        assertTrue(down.live());
        assertFalse(down.ready());

        broker = BrokerProbe.Result.reachable(Set.of());
        signals.sincePoll = Duration.ofSeconds(6).toNanos();
        assertEquals("STALLED", health.current().state(), "no poll for longer than the stall limit");
        assertFalse(health.current().ready());
    }

    @Test
    void retryingWithoutACommitPastTheDeadlineIsStuckAndNotAliveUnlessTheBrokerIsDown() {
        signals.phase = "RUNNING";
        signals.assigned = 1;
        signals.sincePoll = Duration.ofMillis(10).toNanos();
        signals.retrying = Duration.ofSeconds(29).toNanos();
        Health retrying = health.current();
        assertEquals("RUNNING", retrying.state(), "retrying within the deadline is normal");
        assertEquals(29_000L, retrying.details().get("msRetrying"));
        signals.retrying = Duration.ofSeconds(31).toNanos();
        Health stuck = health.current();
        assertEquals("STUCK", stuck.state());
        assertFalse(stuck.live(), "an orchestrator restarts it");
        assertFalse(stuck.ready());
        broker = BrokerProbe.Result.unreachable("no answer within 2000 ms");
        assertEquals("BROKER_UNREACHABLE", health.current().state(), "an outage: a restart would not help");
        assertTrue(health.current().live());
    }

    @Test
    void aStoppedOrFailedWorkerIsNotAlive() {
        signals.phase = "RUNNING";
        signals.stopped = true;
        assertEquals("STOPPED", health.current().state());
        assertFalse(health.current().live());
        signals.failure = new IllegalStateException("fenced");
        Health f = health.current();
        assertEquals("FAILED", f.state());
        assertEquals("IllegalStateException: fenced", f.details().get("error"));
    }
}
