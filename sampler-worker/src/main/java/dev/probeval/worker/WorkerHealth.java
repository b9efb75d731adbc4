package dev.probeval.worker;

import dev.probeval.http.Health;
import dev.probeval.kafka.BrokerProbe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The worker's liveness and readiness, served by {@link MetricsServer} on {@code /health/live} and
 * {@code /health/ready}. Alive until the worker stopped (closed, or its loop ended on an error). Ready when its loop
 * has joined the consumer group (a first assignment, possibly of no partition when there are more workers than
 * partitions), polled within the last {@link #STALL_AFTER} (between chunks it polls at least once per chunk), the
 * broker answers, and, with {@code --preload}, every model is open. Not alive either when the loop has been retrying
 * failed transactions with work to do and no commit for longer than the stuck deadline while the broker answers
 * ({@code STUCK}: a restart may help, which an orchestrator does on a failed liveness probe; during a broker outage it
 * would not, so that is only not ready). The state named is the first of {@code STOPPED} / {@code FAILED},
 * {@code STARTING}, {@code LOADING_MODELS}, {@code BROKER_UNREACHABLE}, {@code STUCK}, {@code JOINING},
 * {@code STALLED}, {@code RUNNING}.
 */
final class WorkerHealth {
    /** A loop that has not returned from a poll for this long is reported STALLED (not ready, still alive). */
    static final Duration STALL_AFTER = Duration.ofSeconds(60);

    /** What the worker tells its health; read from HTTP threads, so every answer must be safe to read concurrently. */
    interface Signals {
        /** The worker's thread has ended. */
        boolean stopped();

        /** The error that ended it, or null. */
        Throwable failure();

        /** The loop's phase: STARTING, LOADING_MODELS, JOINING or RUNNING. */
        String phase();

        /** Partitions of the last assignment; -1 before the first. */
        int assignedPartitions();

        /** Nanoseconds since the last poll returned; -1 before the first. */
        long nanosSinceLastPoll();

        /** Nanoseconds of retrying failed transactions without a commit while there is work; -1 when not retrying. */
        default long nanosRetrying() {
            return -1;
        }
    }

    private final Signals signals;
    private final BrokerProbe probe;
    private final Duration stallAfter;
    private final Duration stuckAfter;

    WorkerHealth(Signals signals, BrokerProbe probe) {
        this(signals, probe, STALL_AFTER);
    }

    WorkerHealth(Signals signals, BrokerProbe probe, Duration stallAfter) {
        this(signals, probe, stallAfter, WorkerConfig.DEFAULT_STUCK_AFTER);
    }

    WorkerHealth(Signals signals, BrokerProbe probe, Duration stallAfter, Duration stuckAfter) {
        this.signals = signals;
        this.probe = probe;
        this.stallAfter = stallAfter;
        this.stuckAfter = stuckAfter;
    }

    Health current() {
        Map<String, Object> d = new LinkedHashMap<>();
        String phase = signals.phase();
        d.put("phase", phase);
        d.put("assignedPartitions", signals.assignedPartitions());
        long since = signals.nanosSinceLastPoll();
        d.put("msSinceLastPoll", since < 0 ? -1 : since / 1_000_000);
        if (signals.stopped()) {
            Throwable f = signals.failure();
            if (f != null) {
                d.put("error", f.getClass().getSimpleName() + ": " + f.getMessage());
                return Health.dead("FAILED", d);
            }
            return Health.dead("STOPPED", d);
        }
        if (phase.equals("STARTING") || phase.equals("LOADING_MODELS")) {
            return Health.notReady(phase, d);
        }
        BrokerProbe.Result r = probe.probe();
        d.put("brokerReachable", r.reachable());
        if (!r.reachable()) {
            d.put("brokerError", r.error());
            return Health.notReady("BROKER_UNREACHABLE", d);
        }
        long retrying = signals.nanosRetrying();
        if (retrying >= 0) {
            d.put("msRetrying", retrying / 1_000_000);
            if (retrying > stuckAfter.toNanos()) {
                return Health.dead("STUCK", d);
            }
        }
        if (!phase.equals("RUNNING")) {
            return Health.notReady(phase, d);
        }
        if (since < 0 || since > stallAfter.toNanos()) {
            return Health.notReady("STALLED", d);
        }
        return Health.ready("RUNNING", d);
    }
}
