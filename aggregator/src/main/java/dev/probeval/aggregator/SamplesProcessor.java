package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.RollupKey;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.core.text.Texts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts scored samples into their request's {@link RequestState} and emits {@link PromptBounds}.
 *
 * <p>Checks, in order (each failure is a dead letter): key equals requestId; the request is known; score finite and
 * in [0,1]; index in [0, numSamples) for SAMPLED, -1 for GREEDY; sample id equals {@code SampleIds.sampleId(requestId,
 * index)}. A record of type REJECTED (a worker refused the request) marks the request REJECTED instead. A sample
 * whose id was counted already is dropped and counted in a metric, whoever produced it.
 *
 * <p>Emission: when n reaches numSamples (FINAL in fixed-n modes, ANYTIME otherwise); otherwise every {@code emitEverySamples}
 * counted samples, on the greedy baseline's arrival, and for any update not yet emitted, within {@code emitIntervalMs}
 * of wall-clock time. Each emission also goes to the model roll-up as a {@link RollupEntry}.
 *
 * <p>A sample whose request is not known yet is kept in {@value AggregatorTopology#EARLY_SAMPLES_STORE} (bounded per
 * task by {@link AggregatorConfig#earlySampleBufferMax()}) and counted, in arrival order, as soon as its request is
 * stored; if the request does not arrive within {@link AggregatorConfig#earlySampleTimeoutMs()} (wall clock) it is
 * dead-lettered as EARLY_SAMPLE_EXPIRED with its own source coordinates. Requests and states are read through task-local
 * object caches ({@link CachedStore}) and written through to their stores.
 */
final class SamplesProcessor extends RawInputProcessor<ScoredSample> {
    /** Longest wait between two looks at the early-sample buffer's deadlines. */
    private static final long EARLY_CHECK_MAX_MS = 1000;

    private final AggregatorConfig config;
    private final CachedStore<EvalRequest> requests;
    private final CachedStore<RequestState> states;
    private final SampleIdCheck ids = new SampleIdCheck();
    private KeyValueStore<String, EarlySample> early;
    private KeyValueStore<String, String> rejections;
    /** Requests with updates not yet emitted (rebuilt from the store's pending flags when the task starts). */
    private final Set<String> dirty = new LinkedHashSet<>();
    /** Buffered early samples per request id (rebuilt from {@code early} when the task starts). */
    private final Map<String, Integer> earlyCounts = new HashMap<>();

    private int earlyTotal;
    /** Bytes (key and value) of the buffered early samples. */
    private long earlyBytes;

    SamplesProcessor(
            Deserializer<ScoredSample> deserializer,
            AggregatorConfig config,
            AggregatorMetrics metrics,
            CachedStore<EvalRequest> requests,
            CachedStore<RequestState> states) {
        super(deserializer, metrics);
        this.config = config;
        this.requests = requests;
        this.states = states;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        early = context.getStateStore(AggregatorTopology.EARLY_SAMPLES_STORE);
        rejections = context.getStateStore(AggregatorTopology.REQUEST_REJECTIONS_STORE);
        try (KeyValueIterator<String, EarlySample> it = early.all()) {
            while (it.hasNext()) {
                KeyValue<String, EarlySample> kv = it.next();
                earlyCounts.merge(EarlySample.requestIdOf(kv.key), 1, Integer::sum);
                earlyTotal++;
                earlyBytes += kv.value.size();
            }
        }
        metrics.earlyBuffered(earlyTotal);
        context.schedule(
                Duration.ofMillis(Math.min(EARLY_CHECK_MAX_MS, config.earlySampleTimeoutMs())),
                PunctuationType.WALL_CLOCK_TIME,
                this::checkEarly);
        if (config.emitIntervalMs() > 0) {
            try (KeyValueIterator<String, RequestState> it = states.store().all()) {
                while (it.hasNext()) {
                    KeyValue<String, RequestState> kv = it.next();
                    if (kv.value.pending()) {
                        dirty.add(kv.key);
                    }
                }
            }
            context.schedule(
                    Duration.ofMillis(config.emitIntervalMs()), PunctuationType.WALL_CLOCK_TIME, now -> flushPending());
        }
    }

    @Override
    void process(String key, ScoredSample s, Record<byte[], byte[]> raw) {
        count(key, s, raw, null);
    }

    /**
     * Checks and counts one sample. {@code source} is null for the record being processed, or where a buffered early
     * sample was read from (its dead letters name that record, not the current one).
     */
    private void count(String key, ScoredSample s, Record<byte[], byte[]> raw, Source source) {
        if (!key.equals(s.getRequestId())) {
            deadLetter(
                    raw,
                    DeadLetterReason.KEY_MISMATCH,
                    "key '" + key + "' differs from requestId '" + s.getRequestId() + "'",
                    source);
            return;
        }
        EvalRequest request = requests.get(key);
        if (request == null) {
            if (source == null) {
                bufferOrReject(key, s, raw);
            } else {
                deadLetter(
                        raw,
                        DeadLetterReason.UNKNOWN_REQUEST,
                        "sample " + s.getSampleId() + " is for unknown request " + key,
                        source);
            }
            return;
        }
        // The request's own id string (equal to key, checked when it was stored) is the key instance the caches were
        // filled with, so the lookups below compare by identity instead of char by char.
        key = request.getRequestId();
        if (s.getRecordType() == ScoredRecordType.REJECTED) {
            reject(key, s);
            return;
        }
        double score = s.getScore();
        if (!Double.isFinite(score)) {
            deadLetter(
                    raw,
                    DeadLetterReason.SCORE_NOT_FINITE,
                    "score " + score + " of sample " + s.getSampleId() + " (request " + key + ", index "
                            + s.getSampleIndex() + ") is not a finite number",
                    source);
            return;
        }
        if (score < 0 || score > 1) {
            deadLetter(
                    raw,
                    DeadLetterReason.SCORE_OUT_OF_RANGE,
                    "score " + score + " of sample " + s.getSampleId() + " (request " + key + ", index "
                            + s.getSampleIndex() + ") is outside [0, 1]",
                    source);
            return;
        }
        int index = s.getSampleIndex();
        boolean greedy = s.getKind() == SampleKind.GREEDY;
        if (greedy ? index != SampleIds.GREEDY_INDEX : index < 0 || index >= request.getNumSamples()) {
            deadLetter(
                    raw,
                    DeadLetterReason.SAMPLE_INDEX_OUT_OF_RANGE,
                    (greedy
                            ? "greedy baseline of request " + key + " has index " + index + ", expected "
                                    + SampleIds.GREEDY_INDEX
                            : "sample index " + index + " of request " + key + " is outside [0, "
                                    + request.getNumSamples() + ")"),
                    source);
            return;
        }
        if (!ids.matches(s.getSampleId(), key, index)) {
            deadLetter(
                    raw,
                    DeadLetterReason.SAMPLE_ID_MISMATCH,
                    "sample id " + s.getSampleId() + " of request " + key + " index " + index
                            + " is not SampleIds.sampleId(requestId, index) = " + SampleIds.sampleId(key, index),
                    source);
            return;
        }
        RequestState state = states.get(key);
        if (state == null) {
            state = RequestState.create(request.getNumSamples());
        }
        long producedAt = s.getProducedAt().toEpochMilli();
        boolean emit;
        if (!greedy && state.pastStreamEnd(index)) {
            // the stream was stopped before this index: never counted (a late or re-drawn sample)
            metrics.duplicate();
            return;
        }
        boolean ended = !greedy && endsStream(request, state, s);
        if (greedy) {
            if (state.hasGreedy()) {
                metrics.duplicate();
                return;
            }
            state.setGreedy(score, producedAt);
            metrics.greedyCounted();
            emit = true;
        } else {
            if (state.hasSeen(index)) {
                metrics.duplicate();
                if (ended) {
                    // the outcome rode on a sample counted before: the stream may be complete now
                    if (state.n() == state.completeAt()) {
                        emit(key, request, state);
                        dirty.remove(key);
                    }
                    states.put(key, state);
                }
                return;
            }
            // leaked is re-derived from the request's tau, so k and M_bin cannot disagree with the bounds' tau
            state.addSample(index, score, score >= request.getScorer().getLeakThreshold(), producedAt);
            metrics.sampleCounted(request.getModelVersion());
            int n = state.n();
            // The last sample always emits: FINAL in fixed-n modes, the complete ANYTIME record otherwise.
            emit = n == state.completeAt() || (config.emitEverySamples() > 0 && n % config.emitEverySamples() == 0);
        }
        if (emit) {
            emit(key, request, state);
            dirty.remove(key);
        } else if (config.emitIntervalMs() > 0) {
            dirty.add(key);
        }
        // write-through: the store (and its changelog, in this task's transaction) holds the change before any commit
        states.put(key, state);
    }

    /**
     * The completeness hook of early stopping: a sample carrying the stream's outcome (its last sample, under the
     * request's stopping rule) fixes the n at which the request is complete. Ignored for a request without a rule, for
     * a length outside [index + 1, numSamples] or below the samples already counted, and once an outcome is recorded.
     */
    private static boolean endsStream(EvalRequest request, RequestState state, ScoredSample s) {
        Integer length = s.getStreamLength();
        if (s.getStoppingStatus() == null
                || length == null
                || request.getStoppingRule() == null
                || length != s.getSampleIndex() + 1) {
            return false;
        }
        return state.endStream(length, s.getStoppingStatus());
    }

    /**
     * A worker refused the request (unknown model version, model cannot be opened, generation or scoring failed): the
     * request ends REJECTED with the worker's reason, kept in {@value AggregatorTopology#REQUEST_REJECTIONS_STORE}
     * as {@code CODE + '\t' + message} ({@link #rejectionValue}); no dead letter (the worker wrote none either).
     */
    private void reject(String key, ScoredSample s) {
        DeadLetterReason code = DeadLetterReason.fromCode(s.getRejectionReason());
        String message =
                s.getRejectionMessage() == null ? "rejected by worker " + s.getWorkerId() : s.getRejectionMessage();
        if (rejections.get(key) == null) {
            metrics.requestRejected(code);
        }
        rejections.put(key, rejectionValue(code, message));
    }

    /** How a rejection is stored: the reason code, a tab, the one-line message. */
    static String rejectionValue(DeadLetterReason code, String message) {
        return code.code() + "\t" + message.replace('\n', ' ');
    }

    /** A sample whose request is not known (yet): kept in the early-sample buffer, or dead-lettered when it is full. */
    private void bufferOrReject(String key, ScoredSample s, Record<byte[], byte[]> raw) {
        if (key.length() > config.kafka().requestLimits().maxIdChars() || Texts.firstUnsafeChar(key) >= 0) {
            // the contract refuses such a request id, so its request can never arrive: not worth a place in the buffer
            deadLetter(
                    raw,
                    DeadLetterReason.UNKNOWN_REQUEST,
                    "sample for request " + Texts.clip(key) + ", an id no valid " + "request can have (over "
                            + config.kafka().requestLimits().maxIdChars() + " chars or unprintable)");
            return;
        }
        long size = EarlySample.size(raw.key(), raw.value());
        if (earlyBytes + size > AggregatorConfig.EARLY_SAMPLE_BUFFER_BYTES) {
            deadLetter(
                    raw,
                    DeadLetterReason.UNKNOWN_REQUEST,
                    "sample " + Texts.clip(s.getSampleId()) + " is for unknown "
                            + "request " + Texts.clip(key) + " and the early-sample buffer is full ("
                            + AggregatorConfig.EARLY_SAMPLE_BUFFER_BYTES + " bytes)");
            return;
        }
        if (earlyTotal >= config.earlySampleBufferMax()) {
            deadLetter(
                    raw,
                    DeadLetterReason.UNKNOWN_REQUEST,
                    "sample " + s.getSampleId() + " is for unknown request "
                            + key
                            + (config.earlySampleBufferMax() == 0
                                    ? ""
                                    : " and the early-sample buffer is full (" + config.earlySampleBufferMax()
                                            + " samples)"));
            return;
        }
        RecordMetadata m = context.recordMetadata().orElseThrow();
        early.put(
                EarlySample.storeKey(key, m.offset()),
                new EarlySample(
                        context.currentSystemTimeMs(),
                        m.topic(),
                        m.partition(),
                        m.offset(),
                        raw.timestamp(),
                        raw.key(),
                        raw.value()));
        earlyCounts.merge(key, 1, Integer::sum);
        earlyTotal++;
        earlyBytes += size;
        metrics.earlyBuffered(1);
    }

    /**
     * Counts the buffered samples of {@code requestId} in arrival order (called right after the request is stored,
     * in the same record's processing, so the counts, the buffer deletion and the request commit together).
     */
    void releaseEarly(String requestId) {
        if (!earlyCounts.containsKey(requestId)) {
            return;
        }
        List<KeyValue<String, EarlySample>> entries = new ArrayList<>();
        try (KeyValueIterator<String, EarlySample> it =
                early.prefixScan(EarlySample.prefix(requestId), new StringSerializer())) {
            it.forEachRemaining(entries::add);
        }
        for (KeyValue<String, EarlySample> kv : entries) {
            EarlySample e = removeEarly(kv.key);
            metrics.earlyReleased();
            Record<byte[], byte[]> raw = new Record<>(e.key(), e.value(), e.timestamp());
            // it was decoded once already; a registry outage propagates (the transaction aborts, as for any record)
            ScoredSample s = deserializer.deserialize(e.topic(), e.value());
            count(requestId, s, raw, new Source(e.topic(), e.partition(), e.offset()));
        }
    }

    /** Wall-clock check of the buffer: samples whose request arrived are counted, expired ones dead-lettered. */
    private void checkEarly(long now) {
        if (earlyTotal == 0) {
            return;
        }
        List<KeyValue<String, EarlySample>> entries = new ArrayList<>();
        try (KeyValueIterator<String, EarlySample> it = early.all()) {
            it.forEachRemaining(entries::add);
        }
        for (KeyValue<String, EarlySample> kv : entries) {
            String requestId = EarlySample.requestIdOf(kv.key);
            if (requests.get(requestId) != null) {
                releaseEarly(requestId);
            } else if (kv.value.bufferedAtMs() + config.earlySampleTimeoutMs() <= now) {
                EarlySample e = removeEarly(kv.key);
                deadLetter(
                        new Record<>(e.key(), e.value(), e.timestamp()),
                        DeadLetterReason.EARLY_SAMPLE_EXPIRED,
                        "sample record for request " + requestId
                                + " arrived before its request, which did not arrive within "
                                + config.earlySampleTimeoutMs() + " ms",
                        new Source(e.topic(), e.partition(), e.offset()));
            }
        }
    }

    private EarlySample removeEarly(String storeKey) {
        EarlySample e = early.delete(storeKey);
        String requestId = EarlySample.requestIdOf(storeKey);
        if (earlyCounts.merge(requestId, -1, Integer::sum) <= 0) {
            earlyCounts.remove(requestId);
        }
        earlyTotal--;
        earlyBytes -= e.size();
        metrics.earlyBuffered(-1);
        return e;
    }

    /** Emits every pending update (wall-clock punctuation), so no update waits longer than the interval. */
    private void flushPending() {
        for (String key : dirty) {
            RequestState state = states.get(key);
            EvalRequest request = requests.get(key);
            if (state != null && request != null && state.pending()) {
                emit(key, request, state);
                states.put(key, state);
            }
        }
        dirty.clear();
    }

    private void emit(String key, EvalRequest request, RequestState state) {
        long now = context.currentSystemTimeMs();
        PromptBounds pb = PromptBoundsFactory.build(request, state, config.edLambda(), now);
        context.forward(new Record<>(key, (Object) pb, now));
        String modelKey = RollupKey.of(request);
        context.forward(new Record<>(
                modelKey, (Object) new RollupEntry(pb, state.accumulator().toBytes()), now));
        state.markEmitted();
        metrics.promptBoundsEmitted(pb.getStatus(), state.lastProducedAt() < 0 ? -1 : now - state.lastProducedAt());
    }

    @Override
    void tombstone(String key, Record<byte[], byte[]> raw) {
        deadLetter(raw, DeadLetterReason.MISSING_VALUE, "sample record for request " + key + " has no value");
    }

    @Override
    public void close() {
        metrics.earlyBuffered(-earlyTotal);
        earlyTotal = 0;
        earlyBytes = 0;
        earlyCounts.clear();
        super.close();
    }
}
