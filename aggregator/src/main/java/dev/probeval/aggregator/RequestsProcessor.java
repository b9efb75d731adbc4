package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.EvalRequestValidator;
import dev.probeval.contract.Validation;
import dev.probeval.core.scoring.Scorers;
import dev.probeval.core.text.Texts;
import dev.probeval.serde.WireFormat;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Validates evaluation requests and keeps them, keyed by request id, in {@value AggregatorTopology#REQUESTS_STORE}:
 * the requests table the sample stage looks requests up in. Invalid requests become dead letters. A re-sent request
 * with the same evaluation parameters replaces the stored one (idempotent); one that changes them after samples were
 * counted is a dead letter, since its counted samples would no longer belong to it. A tombstone forgets the request
 * and its state. Once a request is stored, samples of it that arrived earlier are counted (the {@code onStored}
 * hook, {@link SamplesProcessor#releaseEarly}).
 *
 * <p>The contract checks are the shared {@link EvalRequestValidator} (the one the worker and the producer run): the
 * aggregator owns dead-lettering a request that breaks it (the worker skips such a request without a dead letter), so
 * a bad request record yields exactly one dead letter, with its {@code reasonCode}. A tombstone or a re-send with new
 * parameters also clears the request's REJECTED mark ({@value AggregatorTopology#REQUEST_REJECTIONS_STORE}).
 */
final class RequestsProcessor extends RawInputProcessor<EvalRequest> {
    private final CachedStore<EvalRequest> requests;
    private final CachedStore<RequestState> states;
    private final Consumer<String> onStored;
    private final EvalRequestValidator validator;
    private final KeyValueStore<String, String> rejections;

    /** Why a request is refused: its dead-letter reason and a message naming the field. */
    record Rejection(DeadLetterReason reason, String message) {}

    RequestsProcessor(
            Deserializer<EvalRequest> deserializer,
            AggregatorMetrics metrics,
            CachedStore<EvalRequest> requests,
            CachedStore<RequestState> states,
            Consumer<String> onStored,
            EvalRequestValidator validator,
            KeyValueStore<String, String> rejections) {
        super(deserializer, metrics);
        this.requests = requests;
        this.states = states;
        this.onStored = onStored;
        this.validator = validator;
        this.rejections = rejections;
    }

    /**
     * The request contract as the aggregator checks it: the shared validator, given the record's encoded size (its
     * value without the 5-byte wire-format header); null when the request is valid.
     */
    Rejection validate(String key, EvalRequest request, int encodedBytes) {
        Validation v = validator.validate(key, request, encodedBytes);
        return v.isOk() ? null : new Rejection(v.reason(), v.message());
    }

    @Override
    void process(String key, EvalRequest request, Record<byte[], byte[]> raw) {
        Rejection rejected = validate(key, request, Math.max(0, raw.value().length - WireFormat.HEADER_SIZE));
        if (rejected != null) {
            deadLetter(raw, rejected.reason(), rejected.message());
            return;
        }
        EvalRequest existing = requests.get(key);
        if (existing != null && !sameEvaluation(existing, request)) {
            RequestState state = states.get(key);
            if (state != null && (state.n() > 0 || state.hasGreedy())) {
                deadLetter(
                        raw,
                        DeadLetterReason.CONFLICTING_REQUEST,
                        "request " + Texts.clip(key) + " was re-sent with "
                                + "different " + difference(existing, request) + " after " + state.n()
                                + " samples were counted; use a "
                                + "new request id");
                return;
            }
            states.delete(key);
            // a re-sent request with new parameters (another model version, say) is a new attempt: forget a rejection
            rejections.delete(key);
        }
        // keyed by the request's own id string (equal to key): SamplesProcessor looks states up with that instance
        requests.put(request.getRequestId(), request);
        onStored.accept(key);
    }

    /**
     * Everything the counted samples, their scores, the bounds and the roll-up group ({@code RollupKey}) depend on: what
     * is sampled (model version, prompt, decoding with its seed, n, greedy baseline, stopping rule), how it is scored
     * (references, metric, τ, strip prefixes) and where it is counted (prompt id, suite, split, α, mode, suite size).
     * Free-form attributes, the creation time and whether texts are logged may change on a re-send.
     */
    private static boolean sameEvaluation(EvalRequest a, EvalRequest b) {
        return difference(a, b) == null;
    }

    /** The first field group in which {@code a} and {@code b} differ as evaluations, null when they do not. */
    static String difference(EvalRequest a, EvalRequest b) {
        if (a.getNumSamples() != b.getNumSamples()
                || a.getDrawGreedy() != b.getDrawGreedy()
                || !Objects.equals(a.getStoppingRule(), b.getStoppingRule())) {
            return "numSamples, drawGreedy or stoppingRule";
        }
        if (!Objects.equals(a.getModelVersion(), b.getModelVersion())
                || !Objects.equals(a.getPrompt(), b.getPrompt())
                || !Objects.equals(a.getDecoding(), b.getDecoding())) {
            return "modelVersion, prompt or decoding";
        }
        if (!Objects.equals(a.getReferences(), b.getReferences()) || !sameScorer(a.getScorer(), b.getScorer())) {
            return "references or scorer (metric, leakThreshold, stripPrefixes)";
        }
        if (a.getAlpha() != b.getAlpha()
                || a.getBoundMode() != b.getBoundMode()
                || !Objects.equals(a.getPromptId(), b.getPromptId())
                || !Objects.equals(a.getSuite(), b.getSuite())
                || !Objects.equals(a.getSplit(), b.getSplit())
                || !Objects.equals(a.getSuiteSize(), b.getSuiteSize())) {
            return "alpha, boundMode, promptId, suite, split or suiteSize";
        }
        return null;
    }

    /** Metric compared by its canonical name ({@code exact_match} is {@code exact}). */
    private static boolean sameScorer(ScorerConfig a, ScorerConfig b) {
        return a.getLeakThreshold() == b.getLeakThreshold()
                && Scorers.canonicalName(a.getMetric()).equals(Scorers.canonicalName(b.getMetric()))
                && Objects.equals(a.getStripPrefixes(), b.getStripPrefixes());
    }

    @Override
    void tombstone(String key, Record<byte[], byte[]> raw) {
        requests.delete(key);
        states.delete(key);
        rejections.delete(key);
    }
}
