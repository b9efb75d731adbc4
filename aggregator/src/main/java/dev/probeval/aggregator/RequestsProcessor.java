package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Validates evaluation requests and keeps them, keyed by request id, in {@value AggregatorTopology#REQUESTS_STORE}:
 * the requests table the sample stage looks requests up in. Invalid requests become dead letters. A re-sent request
 * with the same evaluation parameters replaces the stored one (idempotent); one that changes them after samples were
 * counted is a dead letter, since its counted samples would no longer belong to it. A tombstone forgets the request
 * and its state. Once a request is stored, samples of it that arrived earlier are counted (the {@code onStored}
 * hook, {@link SamplesProcessor#releaseEarly}).
 *
 * <p>The contract checks live in {@link #validate} only, so they can be replaced by a shared validator without
 * touching the rest.
 */
final class RequestsProcessor extends RawInputProcessor<EvalRequest> {
  private final CachedStore<EvalRequest> requests;
  private final CachedStore<RequestState> states;
  private final Consumer<String> onStored;

  /** Why a request is refused: its dead-letter reason and a message naming the field. */
  record Rejection(DeadLetterReason reason, String message) {}

  RequestsProcessor(Deserializer<EvalRequest> deserializer, AggregatorMetrics metrics, CachedStore<EvalRequest> requests,
      CachedStore<RequestState> states, Consumer<String> onStored) {
    super(deserializer, metrics);
    this.requests = requests;
    this.states = states;
    this.onStored = onStored;
  }

  /** The request contract as the aggregator checks it; null when {@code request} (under {@code key}) is valid. */
  static Rejection validate(String key, EvalRequest request) {
    if (!key.equals(request.getRequestId())) {
      return new Rejection(DeadLetterReason.KEY_MISMATCH,
          "key '" + key + "' differs from requestId '" + request.getRequestId() + "'");
    }
    double alpha = request.getAlpha();
    if (!(alpha > 0 && alpha <= 0.5)) {
      return new Rejection(DeadLetterReason.ALPHA_OUT_OF_RANGE,
          "alpha " + alpha + " of request " + key + " is outside (0, 0.5]");
    }
    if (request.getNumSamples() < 1) {
      return new Rejection(DeadLetterReason.INVALID_REQUEST,
          "numSamples " + request.getNumSamples() + " of request " + key + " must be >= 1");
    }
    double tau = request.getScorer().getLeakThreshold();
    if (!(tau >= 0 && tau <= 1)) {
      return new Rejection(DeadLetterReason.INVALID_REQUEST,
          "leak threshold " + tau + " of request " + key + " is outside [0, 1]");
    }
    return null;
  }

  @Override
  void process(String key, EvalRequest request, Record<byte[], byte[]> raw) {
    Rejection rejected = validate(key, request);
    if (rejected != null) {
      deadLetter(raw, rejected.reason(), rejected.message());
      return;
    }
    EvalRequest existing = requests.get(key);
    if (existing != null && !sameEvaluation(existing, request)) {
      RequestState state = states.get(key);
      if (state != null && (state.n() > 0 || state.hasGreedy())) {
        deadLetter(raw, DeadLetterReason.CONFLICTING_REQUEST, "request " + key + " was re-sent with different "
            + "evaluation parameters after " + state.n() + " samples were counted; use a new request id");
        return;
      }
      states.delete(key);
    }
    requests.put(key, request);
    onStored.accept(key);
  }

  /** The fields the counted samples and the bounds depend on. */
  private static boolean sameEvaluation(EvalRequest a, EvalRequest b) {
    return a.getNumSamples() == b.getNumSamples() && a.getAlpha() == b.getAlpha()
        && a.getBoundMode() == b.getBoundMode()
        && a.getScorer().getLeakThreshold() == b.getScorer().getLeakThreshold()
        && Objects.equals(a.getModelVersion(), b.getModelVersion())
        && Objects.equals(a.getPromptId(), b.getPromptId())
        && Objects.equals(a.getSuite(), b.getSuite())
        && Objects.equals(a.getSplit(), b.getSplit())
        && Objects.equals(a.getDecoding(), b.getDecoding());
  }

  @Override
  void tombstone(String key, Record<byte[], byte[]> raw) {
    requests.delete(key);
    states.delete(key);
  }
}
