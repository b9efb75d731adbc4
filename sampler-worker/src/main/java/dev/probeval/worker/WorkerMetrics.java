package dev.probeval.worker;

import dev.probeval.contract.DeadLetterReason;
import dev.probeval.http.BoundedTagValues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's Micrometer meters. Counters only for throughput: Prometheus computes tokens/s and samples/s with
 * {@code rate(probeval_worker_tokens_total[1m])} (a gauge of the last chunk's rate misled: it showed a chunk's burst,
 * not the rate over time). An HTTP backend adds its own counters ({@code probeval_worker_http_*}).
 *
 * <p>No meter is tagged by a request's own values (model version, request id): the {@code kind} and {@code outcome}
 * tags come from fixed sets. They are still taken through {@link BoundedTagValues}, capped at
 * {@value #MAX_TAG_VALUES} values each, so a caller that ever passed a request-derived string could not grow
 * {@code /metrics} without bound.
 */
public final class WorkerMetrics {
    /** Error kind of a Kafka failure that aborted a transaction (the work is retried, nothing is dead-lettered). */
    public static final String KAFKA_ERROR = "Kafka";
    /** Most distinct values of the {@code kind} tag of errors and of the {@code outcome} tag of stopped streams. */
    public static final int MAX_TAG_VALUES = 64;

    private final MeterRegistry registry;
    private final Counter tokens;
    private final Counter sampled;
    private final Counter greedy;
    private final Counter requestsCompleted;
    private final Counter requestsResumed;
    private final Counter chunks;
    private final Timer chunkDuration;
    private final Timer generateDuration;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter chunksDeferred;
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();
    private final Map<String, Counter> stopped = new ConcurrentHashMap<>();
    private final BoundedTagValues errorKinds = new BoundedTagValues(MAX_TAG_VALUES);
    private final BoundedTagValues outcomes = new BoundedTagValues(MAX_TAG_VALUES);
    private final Map<String, Counter> skipped = new ConcurrentHashMap<>();
    private final Counter alreadyComplete;
    private final Counter recordFaults;

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        tokens = Counter.builder("probeval.worker.tokens")
                .baseUnit("tokens")
                .description("Tokens generated (prompts excluded), committed samples only")
                .register(registry);
        sampled = Counter.builder("probeval.worker.samples")
                .tag("kind", "SAMPLED")
                .description("Scored samples committed")
                .register(registry);
        greedy = Counter.builder("probeval.worker.samples")
                .tag("kind", "GREEDY")
                .description("Scored samples committed")
                .register(registry);
        requestsCompleted = Counter.builder("probeval.worker.requests.completed")
                .description("Requests whose last chunk committed")
                .register(registry);
        requestsResumed = Counter.builder("probeval.worker.requests.resumed")
                .description("Requests resumed from committed progress after a restart or rebalance")
                .register(registry);
        chunks = Counter.builder("probeval.worker.chunks")
                .description("Chunk transactions committed")
                .register(registry);
        chunkDuration = Timer.builder("probeval.worker.chunk.duration")
                .description("Wall time of one chunk: generate, score, produce, commit")
                .register(registry);
        generateDuration = Timer.builder("probeval.worker.generate.duration")
                .description("Wall time of the sampling backend's draw of one chunk (the rest of a chunk's time is the "
                        + "worker's own: scoring, serialising, producing, committing)")
                .register(registry);
        Gauge.builder("probeval.worker.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Requests started and not yet completed")
                .register(registry);
        chunksDeferred = Counter.builder("probeval.worker.chunks.deferred")
                .description("Chunks put off because the model's endpoint was unavailable (tried again later)")
                .register(registry);
        for (DeadLetterReason r : List.of(
                DeadLetterReason.UNKNOWN_MODEL_VERSION,
                DeadLetterReason.MODEL_UNAVAILABLE,
                DeadLetterReason.WORKER_LIMIT_EXCEEDED,
                DeadLetterReason.GENERATION_FAILED,
                DeadLetterReason.ENDPOINT_UNAVAILABLE,
                DeadLetterReason.SCORING_FAILED,
                DeadLetterReason.PRODUCTION_FAILED)) {
            errorCounter(r.name());
        }
        errorCounter(KAFKA_ERROR);
        alreadyComplete = Counter.builder("probeval.worker.requests.already.complete")
                .description("Re-sent requests not drawn again because all their samples were committed before")
                .register(registry);
        recordFaults = Counter.builder("probeval.worker.record.faults")
                .description("Transactions aborted because of a request's own records (too large, unserializable)")
                .register(registry);
    }

    /**
     * A request record given up without a REJECTED notice (not even that could be produced, or its id is too long to
     * carry): its offset committed, nothing produced.
     */
    void requestSkipped(String reason) {
        skipped.computeIfAbsent(
                        reason,
                        r -> Counter.builder("probeval.worker.requests.skipped")
                                .tag("reason", r)
                                .description("Request records skipped without a REJECTED notice, by reason")
                                .register(registry))
                .increment();
    }

    /** Requests skipped without a notice so far, all reasons. */
    double requestsSkipped() {
        return skipped.values().stream().mapToDouble(Counter::count).sum();
    }

    void requestAlreadyComplete() {
        alreadyComplete.increment();
    }

    /** Re-sent requests not drawn again so far. */
    public double requestsAlreadyComplete() {
        return alreadyComplete.count();
    }

    void recordFault() {
        recordFaults.increment();
    }

    public MeterRegistry registry() {
        return registry;
    }

    void requestStarted(boolean resumed) {
        inFlight.incrementAndGet();
        if (resumed) {
            requestsResumed.increment();
        }
    }

    void requestEnded(boolean completed) {
        inFlight.decrementAndGet();
        if (completed) {
            requestsCompleted.increment();
        }
    }

    /** One chunk's draw by the backend took {@code took} (counted whether or not the chunk then commits). */
    void generated(Duration took) {
        generateDuration.record(took);
    }

    void chunkCommitted(int sampledCount, int greedyCount, long tokenCount, Duration took) {
        chunks.increment();
        sampled.increment(sampledCount);
        greedy.increment(greedyCount);
        tokens.increment(tokenCount);
        chunkDuration.record(took);
    }

    void chunkDeferred() {
        chunksDeferred.increment();
    }

    /** Chunks deferred so far because their endpoint was unavailable. */
    double chunksDeferred() {
        return chunksDeferred.count();
    }

    private Counter errorCounter(String kind) {
        return errors.computeIfAbsent(
                errorKinds.value(kind),
                k -> Counter.builder("probeval.worker.errors")
                        .tag("kind", k)
                        .description("Requests rejected or skipped, by reason code, and retried Kafka failures")
                        .register(registry));
    }

    /** Counts an error: a rejection reason's errorClass, or {@value #KAFKA_ERROR} for a failed, retried transaction. */
    /** A stream under a stopping rule ended: DECIDED_BELOW, DECIDED_ABOVE or UNDECIDED_AT_CAP. */
    void streamEnded(String outcome) {
        stopped.computeIfAbsent(
                        outcomes.value(outcome),
                        o -> Counter.builder("probeval.worker.streams.stopped")
                                .tag("outcome", o)
                                .description("Streams under a stopping rule that ended, by outcome")
                                .register(registry))
                .increment();
    }

    void countError(String kind) {
        errorCounter(kind).increment();
    }

    /** Requests currently in flight. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Total committed generated tokens so far. */
    public double tokens() {
        return tokens.count();
    }

    /** Total committed samples (sampled and greedy) so far. */
    public double samples() {
        return sampled.count() + greedy.count();
    }

    /** Errors of one kind so far. */
    public double errors(String kind) {
        Counter c = errors.get(BoundedTagValues.sanitize(kind));
        return c == null ? 0 : c.count();
    }
}
