package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.StoppingRules;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.kafka.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's poll loop (worker thread only). Each iteration polls, then does one step: start the next queued
 * record ({@link Admission}) or draw and commit the next chunk of the request in flight ({@link ChunkRunner}).
 * Partitions are paused while work is queued, so {@code poll} returns at once and only proves liveness; polling
 * between chunks keeps the member in its group however long a request takes. A retriable Kafka error aborts the open
 * transaction and rewinds to the committed offsets ({@link Recovery}); a fatal one ends the loop.
 *
 * <p>No request can hold the loop for good. A transaction that fails because of the request's own records (too large
 * for the broker, unserializable) is retried {@link WorkerConfig#maxProduceAttempts()} times; then the request ends
 * REJECTED with a small notice, and if even that fails it is skipped (its offset committed, one log line, a metric).
 * Retrying without a commit for longer than {@link WorkerConfig#stuckAfter()} shows in {@link #nanosRetrying()}, which
 * makes the worker not live. A request whose samples were all committed before is not drawn again when re-sent
 * ({@link CompletedRequests}).
 */
final class WorkerLoop {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);

    /** Idle this long, a loop that was retrying is not any more. */
    static final Duration IDLE_ENDS_RETRYING = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final ModelCache models;
    private final WorkerMetrics metrics;
    private final Admission admission;
    private final ChunkRunner runner;
    private final WorkQueue work;
    private final Recovery recovery = new Recovery();
    private final Drawing drawing;
    private volatile boolean stopping;
    /** {@link System#nanoTime()} when {@link #requestStop()} was called. */
    private volatile long stopRequestedNanos;
    /** {@link System#nanoTime()} of the first failed transaction since the last commit; 0: not retrying. */
    private volatile long retryingSinceNanos;
    /** {@link System#nanoTime()} since which the loop has had no work; 0: it has work. */
    private long idleSinceNanos;
    /** The record whose step is running (for blaming a record's own failure on it), or null. */
    private ConsumerRecord<byte[], byte[]> active;
    /** The record whose transactions failed because of its own records, how often in a row, and the last error. */
    private TopicPartition faultTp;

    private long faultOffset = -1;
    private int faults;
    private String lastFault;
    /** What the loop is doing, for {@link WorkerHealth}: STARTING, LOADING_MODELS, JOINING, then RUNNING. */
    private volatile String phase = "STARTING";
    /** Partitions assigned by the last rebalance; -1 before the first. */
    private volatile int assignedPartitions = -1;
    /** {@link System#nanoTime()} when the last poll returned; 0 before the first. */
    private volatile long lastPollNanos;

    WorkerLoop(
            WorkerConfig config,
            Consumer<byte[], byte[]> consumer,
            Producer<String, byte[]> producer,
            WorkerSerdes serdes,
            ModelCache models,
            WorkerMetrics metrics,
            ChunkListener listener) {
        this(config, consumer, producer, serdes, models, metrics, listener, SampleRecords::scored);
    }

    /** As above, scoring each generated output with {@code scoring} (tests put a failing scorer in). */
    WorkerLoop(
            WorkerConfig config,
            Consumer<byte[], byte[]> consumer,
            Producer<String, byte[]> producer,
            WorkerSerdes serdes,
            ModelCache models,
            WorkerMetrics metrics,
            ChunkListener listener,
            ChunkRunner.SampleScoring scoring) {
        this.config = config;
        this.consumer = consumer;
        this.producer = producer;
        this.models = models;
        this.metrics = metrics;
        this.admission = new Admission(
                serdes.requests(),
                new RequestValidator(
                        config.catalog(),
                        config.maxNewTokensLimit(),
                        config.maxSamplesLimit(),
                        config.kafka().requestLimits(),
                        config.maxIdentifierChars()),
                models);
        this.drawing = new Drawing(config.workerId());
        // The chunk being drawn at a stop gets half the shutdown timeout to finish and commit; closing needs the rest.
        long grace = config.shutdownTimeout().toNanos() / 2;
        this.runner = new ChunkRunner(
                producer,
                consumer,
                serdes,
                models,
                config.workerId(),
                listener,
                metrics,
                recovery,
                scoring,
                drawing,
                () -> stopping && System.nanoTime() - stopRequestedNanos > grace,
                config.maxIdentifierChars());
        this.work = new WorkQueue(metrics);
    }

    /** Opens the models when preloading, initialises transactions (fencing a predecessor) and joins the group. */
    void start() throws Exception {
        if (config.preloadModels()) {
            phase = "LOADING_MODELS";
            for (String version : config.catalog().versions()) {
                models.backend(version);
            }
        }
        producer.initTransactions();
        RebalanceHandler handler = new RebalanceHandler(consumer, work, recovery);
        consumer.subscribe(List.of(Topics.EVAL_REQUESTS.name()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                handler.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                handler.onPartitionsLost(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                handler.onPartitionsAssigned(partitions);
                retryingSinceNanos = 0; // a new assignment: what failed before is read afresh
                assignedPartitions = consumer.assignment().size();
                phase = "RUNNING";
            }
        });
        phase = "JOINING";
        LOG.info(
                "Sampler worker {} started: group {}, models {}",
                config.workerId(),
                config.groupId(),
                config.catalog().versions());
    }

    /** Iterates until {@link #requestStop()}; throws what ends the loop for good. */
    void runUntilStopped() {
        while (!stopping) {
            try {
                iterate();
            } catch (WakeupException e) {
                if (stopping) {
                    break;
                }
                throw e;
            }
        }
    }

    /**
     * One poll and one step. A retriable Kafka error is recovered from here; a fatal one, a wakeup and anything else
     * propagate.
     */
    void iterate() {
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout());
            lastPollNanos = System.nanoTime();
            records.forEach(work::add);
            noteIdle(lastPollNanos);
            if (work.busy()) {
                consumer.pause(consumer.assignment());
            } else if (!consumer.paused().isEmpty()) {
                // Only partitions still assigned: resume throws for any other (a consumer that does not clean its
                // paused
                // set on revocation, such as MockConsumer, would otherwise fail here).
                Set<TopicPartition> paused = new HashSet<>(consumer.paused());
                paused.retainAll(consumer.assignment());
                consumer.resume(paused);
            }
            if (work.busy()) {
                long commits = runner.commits();
                step();
                if (runner.commits() != commits) {
                    retryingSinceNanos = 0;
                }
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            if (isFatal(e)) {
                throw e;
            }
            if (active != null && isRecordFault(e)) {
                countFault(active, e);
            }
            recover(e);
        } finally {
            active = null;
        }
    }

    /**
     * Idle for {@link #IDLE_ENDS_RETRYING} means nothing is being retried: the records re-read after a rewind arrive
     * well within it (a poll right after a seek may still come back empty, which must not count).
     */
    private void noteIdle(long now) {
        if (work.busy()) {
            idleSinceNanos = 0;
        } else if (idleSinceNanos == 0) {
            idleSinceNanos = now;
        } else if (now - idleSinceNanos > IDLE_ENDS_RETRYING.toNanos()) {
            retryingSinceNanos = 0;
        }
    }

    /**
     * Whether a failed transaction is the fault of the records in it, so that trying again cannot help: too large for
     * the producer or the broker, or not serializable for a reason other than the registry being unreachable.
     */
    static boolean isRecordFault(KafkaException e) {
        boolean recordFault = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.probeval.registry.SchemaRegistryException) {
                return false;
            }
            if (t instanceof RecordTooLargeException
                    || t instanceof RecordBatchTooLargeException
                    || t instanceof InvalidRecordException
                    || t instanceof SerializationException) {
                recordFault = true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return recordFault;
    }

    private void countFault(ConsumerRecord<byte[], byte[]> rec, KafkaException e) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        if (!tp.equals(faultTp) || rec.offset() != faultOffset) {
            faultTp = tp;
            faultOffset = rec.offset();
            faults = 0;
        }
        faults++;
        lastFault = LogText.message(rootMessage(e));
        metrics.recordFault();
        LOG.warn(
                "Records of the request at {}/{} failed to commit, {} time(s) in a row (after {} it is rejected, after "
                        + "one more skipped): {}",
                tp,
                rec.offset(),
                faults,
                config.maxProduceAttempts(),
                lastFault);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? e.toString() : e.getMessage() + ": " + t;
    }

    /** Failures of this record's own transactions in a row (0 for any other record). */
    private int faultsOf(TopicPartition tp, long offset) {
        return tp.equals(faultTp) && offset == faultOffset ? faults : 0;
    }

    private void clearFaults() {
        faultTp = null;
        faultOffset = -1;
        faults = 0;
        lastFault = null;
    }

    /**
     * Zero while there is work to do now; the idle poll timeout without work; while the request in flight waits for its
     * endpoint to come back, the time left of that wait (at most the idle poll timeout), so the loop neither spins nor
     * stops polling.
     */
    private Duration pollTimeout() {
        if (!work.busy()) {
            return config.pollTimeout();
        }
        InFlight f = work.current();
        long wait = f == null ? 0 : f.nanosUntilRetry(System.nanoTime());
        return wait <= 0
                ? Duration.ZERO
                : Duration.ofNanos(Math.min(wait, config.pollTimeout().toNanos()));
    }

    /** STARTING, LOADING_MODELS (preloading), JOINING (subscribed, no assignment yet) or RUNNING. */
    String phase() {
        return phase;
    }

    /** Partitions assigned by the last rebalance (possibly 0 with more workers than partitions); -1 before it. */
    int assignedPartitions() {
        return assignedPartitions;
    }

    /** Nanoseconds since the last poll returned; -1 before the first. */
    long nanosSinceLastPoll() {
        long t = lastPollNanos;
        return t == 0 ? -1 : System.nanoTime() - t;
    }

    /**
     * Nanoseconds the loop has been retrying failed transactions with work to do and no commit since the first failure;
     * -1 when it is not retrying.
     */
    long nanosRetrying() {
        long t = retryingSinceNanos;
        return t == 0 ? -1 : System.nanoTime() - t;
    }

    /**
     * Stops the loop after the current step; {@code poll} is woken by the caller. A chunk being drawn gets half of
     * {@link WorkerConfig#shutdownTimeout()} to finish and commit; then it is abandoned (nothing of it commits).
     */
    void requestStop() {
        stopRequestedNanos = System.nanoTime();
        stopping = true;
    }

    /** Whether a draw abandoned at the stop may still be running in its backend (which must then stay open). */
    boolean abandonedDrawRunning() {
        return drawing.abandonedDrawRunning();
    }

    /** Releases the drawing thread. */
    void closeDrawing() {
        drawing.close();
    }

    /** Aborts a transaction left open (on a clean shutdown). */
    void abortOpenTransaction() {
        runner.abortIfOpen();
    }

    WorkQueue work() {
        return work;
    }

    Recovery recovery() {
        return recovery;
    }

    /** One unit of work: the next chunk of the request in flight, or the start of the next queued record. */
    private void step() {
        InFlight current = work.current();
        if (current != null) {
            if (current.nanosUntilRetry(System.nanoTime()) <= 0) {
                active = current.record;
                processChunk(current);
            }
            return;
        }
        ConsumerRecord<byte[], byte[]> rec = work.pollQueued();
        if (rec != null) {
            active = rec;
            // Starting a request (which may open its model) is a step of its own: the consumer polls before the first
            // chunk, so loading a large model does not add to the first chunk's time between polls.
            begin(rec);
        }
    }

    private void begin(ConsumerRecord<byte[], byte[]> rec) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        int failed = faultsOf(tp, rec.offset());
        if (failed > config.maxProduceAttempts()) {
            runner.skip(
                    rec,
                    DeadLetterReason.PRODUCTION_FAILED,
                    "its records failed to commit " + config.maxProduceAttempts()
                            + " times and its REJECTED notice failed too: " + lastFault);
            clearFaults();
            return;
        }
        Admission.Decision d = admission.admit(rec);
        if (failed == config.maxProduceAttempts() && (d instanceof Admission.Reject || d instanceof Admission.Accept)) {
            EvalRequest request = d instanceof Admission.Reject r
                    ? r.request()
                    : ((Admission.Accept) d).request().request();
            runner.reject(
                    rec,
                    request,
                    DeadLetterReason.PRODUCTION_FAILED,
                    "its records failed to commit " + failed + " times (too large or not serializable?): " + lastFault);
            clearFaults();
            return;
        }
        if (d instanceof Admission.Skip) {
            runner.commitOffsetOnly(tp, rec.offset() + 1);
        } else if (d instanceof Admission.Ignore i) {
            LOG.warn(
                    "Skipping {}/{}/{} ({}): {}; the aggregator dead-letters it",
                    rec.topic(),
                    rec.partition(),
                    rec.offset(),
                    i.reason(),
                    LogText.message(i.message()));
            metrics.countError(i.reason().name());
            runner.commitOffsetOnly(tp, rec.offset() + 1);
        } else if (d instanceof Admission.Reject r) {
            runner.reject(rec, r.request(), r.reason(), r.message());
            clearFaults();
        } else {
            ValidatedRequest vr = ((Admission.Accept) d).request();
            int resumeFrom = recovery.resumeIndex(tp, rec.offset(), vr);
            String fingerprint = fingerprint(vr);
            if (resumeFrom == 0 && fingerprint != null && recovery.isComplete(fingerprint)) {
                LOG.info(
                        "Request {} at {}/{} was re-sent after all its samples were committed; not drawn again",
                        LogText.id(vr.requestId()),
                        tp,
                        rec.offset());
                runner.commitOffsetOnly(tp, rec.offset() + 1);
                metrics.requestAlreadyComplete();
                return;
            }
            EarlyStopping stopping = StoppingRules.of(vr.request()).orElse(null);
            EarlyStopping.Tally tally = null;
            if (stopping != null) {
                tally = resumeFrom == 0 ? new EarlyStopping.Tally() : resumedTally(tp, resumeFrom);
                if (tally == null) {
                    // Progress without the rule's tally (written by an older worker): re-draw from the start, which
                    // reproduces the same samples, tally and decision (deterministic seeds; the aggregator
                    // de-duplicates).
                    LOG.info(
                            "Request {}: committed progress has no stopping tally; drawing again from sample 0",
                            LogText.id(vr.requestId()));
                    resumeFrom = 0;
                    tally = new EarlyStopping.Tally();
                }
            }
            List<Chunk> chunks = stopping == null
                    ? ChunkPlan.plan(vr.numSamples(), config.chunkSize(), vr.drawGreedy(), resumeFrom)
                    : ChunkPlan.planCheckpoints(vr.numSamples(), config.chunkSize(), vr.drawGreedy(), resumeFrom);
            if (resumeFrom > 0) {
                LOG.info(
                        "Resuming request {} at sample {} of {} (committed progress at offset {} of {})",
                        LogText.id(vr.requestId()),
                        resumeFrom,
                        vr.numSamples(),
                        rec.offset(),
                        tp);
            }
            work.begin(new InFlight(rec, vr, chunks, stopping, tally, fingerprint), resumeFrom > 0);
        }
    }

    /** The request's fingerprint, or null if it cannot be taken (then the request is simply not remembered). */
    private static String fingerprint(ValidatedRequest vr) {
        try {
            return CompletedRequests.fingerprint(vr.request());
        } catch (RuntimeException e) {
            LOG.debug("No fingerprint for request {}: {}", LogText.id(vr.requestId()), e.toString());
            return null;
        }
    }

    /** The stopping tally of the committed progress on {@code tp}, if it covers exactly {@code n} samples. */
    private EarlyStopping.Tally resumedTally(TopicPartition tp, int n) {
        String text = recovery.progress(tp).map(Progress::tally).orElse(null);
        if (text == null) {
            return null;
        }
        try {
            EarlyStopping.Tally t = EarlyStopping.Tally.decode(text);
            return t.n() == n ? t : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void processChunk(InFlight f) {
        Chunk chunk = f.nextChunk();
        switch (runner.runNext(f)) {
            case REJECTED -> {
                clearFaults();
                work.endCurrent(false);
            }
            case DEFERRED -> {
                // nothing committed: the same chunk is drawn again once its endpoint's pause is over
            }
            case STOPPED -> {
                // the worker is stopping: nothing committed, the request resumes at this chunk wherever it goes next
            }
            case COMMITTED -> {
                clearFaults();
                recovery.committed(
                        f.tp, new Progress(f.record.offset(), chunk.endIndex(), f.request.requestId(), f.tallyText()));
                f.advance();
            }
            case COMPLETED -> {
                clearFaults();
                recovery.completed(f.tp, f.fingerprint);
                f.advance();
                LOG.debug(
                        "Request {} complete: {} samples{}",
                        LogText.id(f.request.requestId()),
                        chunk.endIndex(),
                        f.request.drawGreedy() ? " + greedy" : "");
                work.endCurrent(true);
            }
            default -> throw new IllegalStateException("unknown chunk outcome");
        }
    }

    /**
     * A transaction failed with a retriable or abortable error (a rebalance fenced our group generation, a broker
     * went away, the registry is down): abort it, forget everything read but not committed, and read again from the
     * committed offsets and progress.
     */
    private void recover(KafkaException e) {
        metrics.countError(WorkerMetrics.KAFKA_ERROR);
        if (retryingSinceNanos == 0) {
            retryingSinceNanos = System.nanoTime();
        }
        LOG.warn(
                "Sampler worker {}: {}; aborting and re-reading from the committed offsets",
                config.workerId(),
                LogText.message(e.toString()));
        runner.abortIfOpen(); // throws if the producer is unusable: then the worker stops
        work.clear();
        recovery.rewind(consumer);
        sleepQuietly(config.retryBackoff());
    }

    /** Errors no retry can fix: another instance owns our ids, we may not, or the broker cannot. */
    static boolean isFatal(KafkaException e) {
        return e instanceof ProducerFencedException
                || e instanceof FencedInstanceIdException
                || e instanceof OutOfOrderSequenceException
                || e instanceof AuthorizationException
                || e instanceof AuthenticationException
                || e instanceof UnsupportedVersionException;
    }

    private void sleepQuietly(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
