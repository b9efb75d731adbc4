package dev.probeval.aggregator;

import dev.probeval.contract.DeadLetterReason;
import dev.probeval.avro.EvalRequest;
import dev.probeval.contract.EvalRequestValidator;
import dev.probeval.contract.Validation;
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

  RequestsProcessor(Deserializer<EvalRequest> deserializer, AggregatorMetrics metrics, CachedStore<EvalRequest> requests,
      CachedStore<RequestState> states, Consumer<String> onStored, EvalRequestValidator validator,
      KeyValueStore<String, String> rejections) {
    super(deserializer, metrics);
    this.requests = requests;
    this.states = states;
    this.onStored = onStored;
    this.validator = validator;
    this.rejections = rejections;
  }

  /** The request contract as the aggregator checks it: the shared validator; null when the request is valid. */
  Rejection validate(String key, EvalRequest request) {
    Validation v = validator.validate(key, request);
    return v.isOk() ? null : new Rejection(v.reason(), v.message());
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
      // a re-sent request with new parameters (another model version, say) is a new attempt: forget a rejection
      rejections.delete(key);
    }
    // keyed by the request's own id string (equal to key): SamplesProcessor looks states up with that instance
    requests.put(request.getRequestId(), request);
    onStored.accept(key);
  }

  /** The fields the counted samples, the bounds and the roll-up group ({@code RollupKey}) depend on. */
  private static boolean sameEvaluation(EvalRequest a, EvalRequest b) {
    return a.getNumSamples() == b.getNumSamples() && a.getAlpha() == b.getAlpha()
        && a.getBoundMode() == b.getBoundMode()
        && a.getScorer().getLeakThreshold() == b.getScorer().getLeakThreshold()
        && Objects.equals(a.getModelVersion(), b.getModelVersion())
        && Objects.equals(a.getPromptId(), b.getPromptId())
        && Objects.equals(a.getSuite(), b.getSuite())
        && Objects.equals(a.getSplit(), b.getSplit())
        && Objects.equals(a.getSuiteSize(), b.getSuiteSize())
        && Objects.equals(a.getDecoding(), b.getDecoding())
        && Objects.equals(a.getStoppingRule(), b.getStoppingRule());
  }

  @Override
  void tombstone(String key, Record<byte[], byte[]> raw) {
    requests.delete(key);
    states.delete(key);
    rejections.delete(key);
  }
}
