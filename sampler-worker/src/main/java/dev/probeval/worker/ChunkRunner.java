package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.StoppingStatus;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.StoppingRules;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.kafka.Topics;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.worker.http.EndpointUnavailableException;
import dev.probeval.worker.http.HttpEndpoint;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's transactions. A chunk is drawn and scored outside any transaction, then its samples and the request's
 * consumer offset commit together: offset o with {@link Progress} metadata while the request is unfinished, o + 1
 * after its last chunk. REJECTED notices and skipped records commit the same way (record + offset). The consumer is used
 * only for its group metadata, so a member that lost the partition in a rebalance is fenced.
 *
 * <p>Drawing and scoring run on {@link Drawing}'s thread, so a stop can leave a draw that never returns behind. Any
 * failure of the backend or the scorer, {@link StackOverflowError} and {@link OutOfMemoryError} included, ends that one
 * request REJECTED ({@code GENERATION_FAILED} / {@code SCORING_FAILED}); the worker goes on with the next. Records are
 * serialized before the transaction begins, and every record the worker writes is bounded ({@link SampleRecords}).
 */
final class ChunkRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkRunner.class);
    /** Offset-commit metadata must fit the broker's offset.metadata.max.bytes (default 4096). */
    static final int MAX_PROGRESS_METADATA = 3000;

    /** How a chunk ended. */
    enum Outcome {
        /** Committed; the request has chunks left. */
        COMMITTED,
        /** Committed the request's last chunk: the cap, or the chunk where its stopping rule decided. */
        COMPLETED,
        /** Drawing or scoring failed: a REJECTED record was produced (or the request skipped) past the request. */
        REJECTED,
        /** The worker is stopping and the draw was abandoned: nothing was produced or committed. */
        STOPPED,
        /**
         * The model's endpoint is unavailable: nothing was produced or committed; the same chunk is tried again at
         * {@link InFlight#retryAtNanos()} (until the endpoint's outage deadline, after which the request is REJECTED).
         */
        DEFERRED
    }

    /** The outage deadline of a backend that is not an HTTP endpoint but reports one unavailable. */
    static final Duration DEFAULT_OUTAGE_DEADLINE = HttpEndpoint.DEFAULT_OUTAGE_DEADLINE;
    /** The pause before such a backend's chunk is tried again. */
    static final Duration DEFAULT_OUTAGE_RETRY = HttpEndpoint.DEFAULT_MAX_RETRY_BACKOFF;

    private final Producer<String, byte[]> producer;
    private final Consumer<?, ?> consumer;
    private final WorkerSerdes serdes;
    private final ModelCache models;
    private final String workerId;
    private final ChunkListener listener;
    private final WorkerMetrics metrics;
    private final Recovery recovery;
    private final SampleScoring scoring;
    private final Drawing drawing;
    private final BooleanSupplier abandonDraw;
    private final int maxIdentifierChars;
    private boolean inTransaction;
    private long commits;

    /** Scores one generated output into its record: {@link SampleRecords#scored} (tests put a failing one in). */
    @FunctionalInterface
    interface SampleScoring {
        ScoredSample score(ValidatedRequest vr, GeneratedSample g, String workerId, Instant producedAt);
    }

    /**
     * @param abandonDraw true once a draw in progress must be left behind (the worker's stop grace ran out)
     * @param maxIdentifierChars a request id longer than this is skipped rather than REJECTED (a notice carries it whole)
     */
    ChunkRunner(
            Producer<String, byte[]> producer,
            Consumer<?, ?> consumer,
            WorkerSerdes serdes,
            ModelCache models,
            String workerId,
            ChunkListener listener,
            WorkerMetrics metrics,
            Recovery recovery,
            SampleScoring scoring,
            Drawing drawing,
            BooleanSupplier abandonDraw,
            int maxIdentifierChars) {
        this.producer = producer;
        this.consumer = consumer;
        this.serdes = serdes;
        this.models = models;
        this.workerId = workerId;
        this.listener = listener;
        this.metrics = metrics;
        this.recovery = recovery;
        this.scoring = scoring;
        this.drawing = drawing;
        this.abandonDraw = abandonDraw;
        this.maxIdentifierChars = maxIdentifierChars;
    }

    /** Draws, scores and commits the next chunk of {@code f}. Kafka errors propagate with the transaction open. */
    Outcome runNext(InFlight f) {
        Chunk chunk = f.nextChunk();
        ValidatedRequest vr = f.request;
        long t0 = System.nanoTime();
        List<ScoredSample> samples;
        try {
            samples = drawing.run(() -> drawAndScore(vr, chunk), RejectedRequestException.class, abandonDraw);
            f.endOutage();
        } catch (Drawing.Abandoned e) {
            LOG.info(
                    "Request {}: chunk {} (samples {}..{}) abandoned at shutdown; it resumes there",
                    LogText.id(vr.requestId()),
                    chunk.ordinal(),
                    chunk.firstIndex(),
                    chunk.endIndex() - 1);
            return Outcome.STOPPED;
        } catch (EndpointUnavailableException e) {
            return deferOrReject(f, chunk, e);
        } catch (RejectedRequestException e) {
            LOG.warn(
                    "Request {} failed at chunk {} (samples {}..{}): {}",
                    LogText.id(vr.requestId()),
                    chunk.ordinal(),
                    chunk.firstIndex(),
                    chunk.endIndex() - 1,
                    LogText.message(e.getMessage()));
            reject(
                    f.record,
                    vr.request(),
                    e.reason(),
                    e.getMessage()
                            + (chunk.firstIndex() > 0
                                    ? " (samples before index " + chunk.firstIndex() + " were produced)"
                                    : ""));
            return Outcome.REJECTED;
        }
        String requestId = vr.requestId();
        EarlyStopping.Tally after = null;
        EarlyStopping.Decision decision = EarlyStopping.Decision.CONTINUE;
        if (f.stopping != null) {
            after = EarlyStopping.Tally.decode(f.tally.encode());
            ScoredSample lastSampled = null;
            for (ScoredSample s : samples) {
                if (s.getKind() == SampleKind.SAMPLED) {
                    after.add(s.getScore(), f.stopping.rule());
                    if (lastSampled == null || s.getSampleIndex() > lastSampled.getSampleIndex()) {
                        lastSampled = s;
                    }
                }
            }
            decision = f.stopping.decide(after);
            if ((decision != EarlyStopping.Decision.CONTINUE || chunk.last()) && lastSampled != null) {
                // The stream ends here: its last sample tells the aggregator how and at which n (same transaction).
                StoppingStatus st = StoppingRules.status(decision);
                lastSampled.setStoppingStatus(st == null ? StoppingStatus.UNDECIDED_AT_CAP : st);
                lastSampled.setStreamLength(chunk.endIndex());
            }
        }
        boolean done = chunk.last() || decision != EarlyStopping.Decision.CONTINUE;
        List<byte[]> values = new ArrayList<>(samples.size());
        for (ScoredSample s : samples) {
            values.add(serialize(s));
        }
        String completing = done ? f.fingerprint : null;
        begin();
        long tokenCount = 0;
        int greedy = 0;
        for (int i = 0; i < samples.size(); i++) {
            ScoredSample s = samples.get(i);
            producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), requestId, values.get(i)));
            tokenCount += s.getTokenCount();
            greedy += s.getSampleIndex() < 0 ? 1 : 0;
        }
        listener.beforeCommit(requestId, chunk);
        producer.sendOffsetsToTransaction(
                Map.of(f.tp, offsetFor(recovery, f, chunk, done, after == null ? null : after.encode(), completing)),
                consumer.groupMetadata());
        commit();
        f.tally = after;
        metrics.chunkCommitted(samples.size() - greedy, greedy, tokenCount, Duration.ofNanos(System.nanoTime() - t0));
        if (f.stopping != null && done) {
            metrics.streamEnded(decision == EarlyStopping.Decision.CONTINUE ? "UNDECIDED_AT_CAP" : decision.name());
            LOG.debug(
                    "Request {} ended {} at n = {} (cap {})",
                    LogText.id(requestId),
                    decision,
                    chunk.endIndex(),
                    vr.numSamples());
        }
        listener.afterCommit(requestId, chunk);
        return done ? Outcome.COMPLETED : Outcome.COMMITTED;
    }

    /**
     * The endpoint is down: schedule the same chunk again (nothing was produced, the committed offset and progress are
     * unchanged, so a crash or rebalance meanwhile loses nothing either), or, once the outage has lasted the
     * endpoint's deadline, end the request REJECTED with {@link DeadLetterReason#ENDPOINT_UNAVAILABLE}.
     */
    private Outcome deferOrReject(InFlight f, Chunk chunk, EndpointUnavailableException e) {
        ValidatedRequest vr = f.request;
        HttpEndpoint ep = vr.model().endpoint();
        Duration deadline = ep != null ? ep.outageDeadline() : DEFAULT_OUTAGE_DEADLINE;
        Duration pause = ep != null ? ep.maxRetryBackoff() : DEFAULT_OUTAGE_RETRY;
        if (e.retryAfter() != null && e.retryAfter().compareTo(pause) > 0) {
            pause = e.retryAfter();
        }
        long now = System.nanoTime();
        long down = f.outageStarted(now);
        Duration lasted = Duration.ofNanos(now - down);
        if (lasted.compareTo(deadline) >= 0) {
            String msg = "the model's endpoint stayed unavailable for " + lasted.toSeconds() + " s (outage deadline "
                    + deadline.toSeconds() + " s) at samples " + chunk.firstIndex() + ".." + (chunk.endIndex() - 1)
                    + " of request " + LogText.id(vr.requestId()) + ": " + LogText.message(e.getMessage())
                    + (chunk.firstIndex() > 0
                            ? " (samples before index " + chunk.firstIndex() + " were produced)"
                            : "");
            LOG.warn("Request {}: {}", LogText.id(vr.requestId()), msg);
            reject(f.record, vr.request(), DeadLetterReason.ENDPOINT_UNAVAILABLE, msg);
            return Outcome.REJECTED;
        }
        Duration left = deadline.minus(lasted);
        if (pause.compareTo(left) > 0) {
            pause = left;
        }
        f.retryAt(now + pause.toNanos());
        metrics.chunkDeferred();
        LOG.warn(
                "Request {} chunk {} (samples {}..{}) deferred {} ms, the endpoint is down for {} s of a {} s deadline: {}",
                LogText.id(vr.requestId()),
                chunk.ordinal(),
                chunk.firstIndex(),
                chunk.endIndex() - 1,
                pause.toMillis(),
                lasted.toSeconds(),
                deadline.toSeconds(),
                LogText.message(e.getMessage()));
        return Outcome.DEFERRED;
    }

    /** The offset a chunk of a request without a stopping rule commits ({@link #offsetFor(InFlight, Chunk, boolean, String)}). */
    static OffsetAndMetadata offsetFor(InFlight f, Chunk chunk) {
        return offsetFor(f, chunk, chunk.last(), null);
    }

    /**
     * The offset a chunk commits: past the request after its last chunk ({@code done}: the cap, or a stopping rule
     * decided), else on it with the progress made (and the stopping tally, when the request has a rule).
     */
    static OffsetAndMetadata offsetFor(InFlight f, Chunk chunk, boolean done, String tally) {
        return offsetFor(new Recovery(), f, chunk, done, tally, null);
    }

    /**
     * As {@link #offsetFor(InFlight, Chunk, boolean, String)}, the metadata after the partition's recent completions
     * ({@link Recovery#metadata}), {@code completing} (a fingerprint, or null) among them when {@code done}.
     */
    static OffsetAndMetadata offsetFor(
            Recovery recovery, InFlight f, Chunk chunk, boolean done, String tally, String completing) {
        if (done) {
            String meta = recovery.metadata(f.tp, null, completing);
            return meta.isEmpty()
                    ? new OffsetAndMetadata(f.record.offset() + 1)
                    : new OffsetAndMetadata(f.record.offset() + 1, meta);
        }
        // A request id too long for the metadata limit: Recovery commits no progress; a restart re-draws the request.
        return new OffsetAndMetadata(
                f.record.offset(),
                recovery.metadata(
                        f.tp, new Progress(f.record.offset(), chunk.endIndex(), f.request.requestId(), tally), null));
    }

    private List<ScoredSample> drawAndScore(ValidatedRequest vr, Chunk chunk) throws RejectedRequestException {
        SamplingBackend backend;
        try {
            backend = models.backend(vr.model().version());
        } catch (IOException | RuntimeException e) {
            throw new RejectedRequestException(
                    DeadLetterReason.MODEL_UNAVAILABLE,
                    "model version '" + vr.model().version() + "' (" + vr.model() + ") cannot be opened: "
                            + LogText.message(e.getMessage()),
                    e);
        }
        List<GeneratedSample> generated;
        long g0 = System.nanoTime();
        try {
            generated = backend.generate(new GenerationRequest(
                    vr.requestId(),
                    vr.request().getPrompt(),
                    chunk.firstIndex(),
                    chunk.count(),
                    vr.decoding(),
                    vr.baseSeed(),
                    chunk.includeGreedy()));
            metrics.generated(Duration.ofNanos(System.nanoTime() - g0));
        } catch (EndpointUnavailableException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // An error of this one request's draw (a stack it overflowed, memory it exhausted): the worker survives it.
            throw new RejectedRequestException(
                    DeadLetterReason.GENERATION_FAILED,
                    "generating samples "
                            + chunk.firstIndex() + ".." + (chunk.endIndex() - 1) + " of request "
                            + LogText.id(vr.requestId())
                            + " with " + backend.describe() + " failed: " + LogText.message(e.toString()),
                    e);
        }
        if (generated.size() != chunk.size()) {
            throw new RejectedRequestException(
                    DeadLetterReason.GENERATION_FAILED,
                    "backend " + backend.describe() + " returned " + generated.size() + " samples for a chunk of "
                            + chunk.size());
        }
        Instant now = Instant.now();
        List<ScoredSample> out = new ArrayList<>(generated.size());
        for (GeneratedSample g : generated) {
            try {
                out.add(scoring.score(vr, g, workerId, now));
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                throw new RejectedRequestException(
                        DeadLetterReason.SCORING_FAILED,
                        "scoring sample " + g.index()
                                + " of request " + LogText.id(vr.requestId()) + " with "
                                + vr.request().getScorer().getMetric()
                                + " failed: " + LogText.message(e.toString()),
                        e);
            }
        }
        return out;
    }

    /**
     * Ends a request this worker refuses: a REJECTED record (key = request id) on the samples topic tells the
     * aggregator, which marks the request REJECTED; it commits with the offset past the request. No dead letter: the
     * request itself is valid, and the REJECTED status is where its owner looks.
     */
    void reject(ConsumerRecord<byte[], byte[]> rec, EvalRequest request, DeadLetterReason reason, String message) {
        String id = request.getRequestId();
        if (id.length() > maxIdentifierChars) {
            skip(
                    rec,
                    reason,
                    "request id of " + id.length() + " chars is over this worker's limit of " + maxIdentifierChars
                            + " (a REJECTED notice must carry it whole), and: " + message);
            return;
        }
        LOG.warn(
                "Rejecting request {} ({}/{}/{}): {} {}",
                LogText.id(id),
                rec.topic(),
                rec.partition(),
                rec.offset(),
                reason,
                LogText.message(message));
        ScoredSample notice = SampleRecords.rejected(request, reason, message, workerId, Instant.now());
        byte[] value = serialize(notice);
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        begin();
        producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), id, value));
        producer.sendOffsetsToTransaction(Map.of(tp, offset(tp, rec.offset() + 1)), consumer.groupMetadata());
        commit();
        metrics.countError(reason.name());
    }

    /**
     * Gives up on a request record without a notice: commits past it with nothing produced, logs one bounded line and
     * counts {@code probeval_worker_requests_skipped_total{reason}}. For a request that cannot even be told REJECTED.
     */
    void skip(ConsumerRecord<byte[], byte[]> rec, DeadLetterReason reason, String why) {
        LOG.error(
                "Skipping request record {}/{}/{} without a REJECTED notice ({}): {}",
                rec.topic(),
                rec.partition(),
                rec.offset(),
                reason,
                LogText.message(why));
        commitOffsetOnly(new TopicPartition(rec.topic(), rec.partition()), rec.offset() + 1);
        metrics.requestSkipped(reason.name());
    }

    /** Commits an offset with nothing produced (a skipped record). */
    void commitOffsetOnly(TopicPartition tp, long offset) {
        begin();
        producer.sendOffsetsToTransaction(Map.of(tp, offset(tp, offset)), consumer.groupMetadata());
        commit();
    }

    /** An offset past a request, with the partition's completions kept in its metadata. */
    private OffsetAndMetadata offset(TopicPartition tp, long offset) {
        String meta = recovery.metadata(tp, null, null);
        return meta.isEmpty() ? new OffsetAndMetadata(offset) : new OffsetAndMetadata(offset, meta);
    }

    /**
     * A record's bytes, before any transaction begins. A failure is a {@link KafkaException} either way, so the loop
     * aborts and retries; {@link WorkerLoop} tells a record's own fault (it counts those) from a registry outage.
     */
    private byte[] serialize(ScoredSample s) {
        try {
            return serdes.samples().serialize(Topics.SAMPLES.name(), s);
        } catch (KafkaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException(
                    "cannot serialize a record of request " + LogText.id(s.getRequestId()) + ": "
                            + LogText.message(e.toString()),
                    e);
        }
    }

    /** Aborts the open transaction, if any; throws if the producer is unusable (then the worker stops). */
    void abortIfOpen() {
        if (inTransaction) {
            producer.abortTransaction();
            inTransaction = false;
        }
    }

    private void begin() {
        producer.beginTransaction();
        inTransaction = true;
    }

    private void commit() {
        producer.commitTransaction();
        inTransaction = false;
        commits++;
    }

    /** Transactions committed so far. */
    long commits() {
        return commits;
    }
}
