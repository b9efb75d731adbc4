package dev.probeval.aggregator;

import dev.probeval.avro.EvalRequest;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Validates evaluation requests and keeps them, keyed by request id, in {@value AggregatorTopology#REQUESTS_STORE}:
 * the requests table the sample stage looks requests up in. Invalid requests become dead letters. A re-sent request
 * with the same evaluation parameters replaces the stored one (idempotent); one that changes them after samples were
 * counted is a dead letter, since its counted samples would no longer belong to it. A tombstone forgets the request
 * and its state.
 */
final class RequestsProcessor extends RawInputProcessor<EvalRequest> {
  private KeyValueStore<String, EvalRequest> requests;
  private KeyValueStore<String, RequestState> states;

  RequestsProcessor(Deserializer<EvalRequest> deserializer, AggregatorMetrics metrics) {
    super(deserializer, metrics);
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    super.init(context);
    requests = context.getStateStore(AggregatorTopology.REQUESTS_STORE);
    states = context.getStateStore(AggregatorTopology.REQUEST_STATE_STORE);
  }

  @Override
  void process(String key, EvalRequest request, Record<byte[], byte[]> raw) {
    if (!key.equals(request.getRequestId())) {
      deadLetter(raw, DeadLetterReason.KEY_MISMATCH,
          "key '" + key + "' differs from requestId '" + request.getRequestId() + "'");
      return;
    }
    double alpha = request.getAlpha();
    if (!(alpha > 0 && alpha <= 0.5)) {
      deadLetter(raw, DeadLetterReason.ALPHA_OUT_OF_RANGE,
          "alpha " + alpha + " of request " + key + " is outside (0, 0.5]");
      return;
    }
    if (request.getNumSamples() < 1) {
      deadLetter(raw, DeadLetterReason.INVALID_REQUEST,
          "numSamples " + request.getNumSamples() + " of request " + key + " must be >= 1");
      return;
    }
    double tau = request.getScorer().getLeakThreshold();
    if (!(tau >= 0 && tau <= 1)) {
      deadLetter(raw, DeadLetterReason.INVALID_REQUEST,
          "leak threshold " + tau + " of request " + key + " is outside [0, 1]");
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
