package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts scored samples into their request's {@link RequestState} and emits {@link PromptBounds}.
 *
 * <p>Checks, in order (each failure is a dead letter): key equals requestId; the request is known; score finite and
 * in [0,1]; index in [0, numSamples) for SAMPLED, -1 for GREEDY; sample id equals {@code SampleIds.sampleId(requestId,
 * index)}. A sample whose id was counted already is dropped and counted in a metric, whoever produced it.
 *
 * <p>Emission: when n reaches numSamples (FINAL in fixed-n modes, ANYTIME otherwise); otherwise every {@code emitEverySamples}
 * counted samples, on the greedy baseline's arrival, and for any update not yet emitted, within {@code emitIntervalMs}
 * of wall-clock time. Each emission also goes to the model roll-up as a {@link RollupEntry}.
 */
final class SamplesProcessor extends RawInputProcessor<ScoredSample> {
  private final AggregatorConfig config;
  private KeyValueStore<String, EvalRequest> requests;
  private KeyValueStore<String, RequestState> states;
  /** Requests with updates not yet emitted (rebuilt from the store's pending flags when the task starts). */
  private final Set<String> dirty = new LinkedHashSet<>();

  SamplesProcessor(Deserializer<ScoredSample> deserializer, AggregatorConfig config, AggregatorMetrics metrics) {
    super(deserializer, metrics);
    this.config = config;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    super.init(context);
    requests = context.getStateStore(AggregatorTopology.REQUESTS_STORE);
    states = context.getStateStore(AggregatorTopology.REQUEST_STATE_STORE);
    if (config.emitIntervalMs() > 0) {
      try (KeyValueIterator<String, RequestState> it = states.all()) {
        while (it.hasNext()) {
          KeyValue<String, RequestState> kv = it.next();
          if (kv.value.pending()) {
            dirty.add(kv.key);
          }
        }
      }
      context.schedule(Duration.ofMillis(config.emitIntervalMs()), PunctuationType.WALL_CLOCK_TIME,
          now -> flushPending());
    }
  }

  @Override
  void process(String key, ScoredSample s, Record<byte[], byte[]> raw) {
    if (!key.equals(s.getRequestId())) {
      deadLetter(raw, DeadLetterReason.KEY_MISMATCH,
          "key '" + key + "' differs from requestId '" + s.getRequestId() + "'");
      return;
    }
    EvalRequest request = requests.get(key);
    if (request == null) {
      deadLetter(raw, DeadLetterReason.UNKNOWN_REQUEST,
          "sample " + s.getSampleId() + " is for unknown request " + key);
      return;
    }
    double score = s.getScore();
    if (!Double.isFinite(score)) {
      deadLetter(raw, DeadLetterReason.SCORE_NOT_FINITE, "score " + score + " of sample " + s.getSampleId()
          + " (request " + key + ", index " + s.getSampleIndex() + ") is not a finite number");
      return;
    }
    if (score < 0 || score > 1) {
      deadLetter(raw, DeadLetterReason.SCORE_OUT_OF_RANGE, "score " + score + " of sample " + s.getSampleId()
          + " (request " + key + ", index " + s.getSampleIndex() + ") is outside [0, 1]");
      return;
    }
    int index = s.getSampleIndex();
    boolean greedy = s.getKind() == SampleKind.GREEDY;
    if (greedy ? index != SampleIds.GREEDY_INDEX : index < 0 || index >= request.getNumSamples()) {
      deadLetter(raw, DeadLetterReason.SAMPLE_INDEX_OUT_OF_RANGE, (greedy
          ? "greedy baseline of request " + key + " has index " + index + ", expected " + SampleIds.GREEDY_INDEX
          : "sample index " + index + " of request " + key + " is outside [0, " + request.getNumSamples() + ")"));
      return;
    }
    String expectedId = SampleIds.sampleId(key, index);
    if (!expectedId.equals(s.getSampleId())) {
      deadLetter(raw, DeadLetterReason.SAMPLE_ID_MISMATCH, "sample id " + s.getSampleId() + " of request " + key
          + " index " + index + " is not SampleIds.sampleId(requestId, index) = " + expectedId);
      return;
    }
    RequestState state = states.get(key);
    if (state == null) {
      state = RequestState.create(request.getNumSamples());
    }
    long producedAt = s.getProducedAt().toEpochMilli();
    boolean emit;
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
        return;
      }
      // leaked is re-derived from the request's tau, so k and M_bin cannot disagree with the bounds' tau
      state.addSample(index, score, score >= request.getScorer().getLeakThreshold(), producedAt);
      metrics.sampleCounted();
      int n = state.n();
      // The last sample always emits: FINAL in fixed-n modes, the complete ANYTIME record otherwise.
      emit = n == request.getNumSamples() || (config.emitEverySamples() > 0 && n % config.emitEverySamples() == 0);
    }
    if (emit) {
      emit(key, request, state);
      dirty.remove(key);
    } else if (config.emitIntervalMs() > 0) {
      dirty.add(key);
    }
    states.put(key, state);
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
    String modelKey = Topics.modelBoundsKey(request.getModelVersion(), request.getSuite(), request.getSplit());
    context.forward(new Record<>(modelKey, (Object) new RollupEntry(pb, state.accumulator().toBytes()), now));
    state.markEmitted();
    metrics.promptBoundsEmitted(pb.getStatus(), state.lastProducedAt() < 0 ? -1 : now - state.lastProducedAt());
  }

  @Override
  void tombstone(String key, Record<byte[], byte[]> raw) {
    deadLetter(raw, DeadLetterReason.UNDESERIALIZABLE, "sample record for request " + key + " has no value");
  }
}
