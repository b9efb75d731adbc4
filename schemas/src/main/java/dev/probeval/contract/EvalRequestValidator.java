package dev.probeval.contract;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.core.scoring.Scorers;
import java.util.List;
import java.util.Objects;

/**
 * The request contract, checked the same way by every service: the aggregator (which dead-letters what it rejects),
 * the worker (which skips it, so a bad record yields one dead letter) and the producer (which refuses to send it).
 * Checks, in order, each failure naming the field and its value: key equals requestId; required ids not empty;
 * numSamples; α; τ; a known metric (names or aliases, such as {@code exact_match}); references present (every
 * metric scores against references), their number and length; the prompt's length; the decoding ranges; suiteSize;
 * the stopping rule (only with boundMode ANYTIME, then its ranges).
 * Stateless and thread-safe.
 */
public final class EvalRequestValidator {
  private final RequestLimits limits;

  public EvalRequestValidator(RequestLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** A validator with {@link RequestLimits#defaults()}. */
  public static EvalRequestValidator withDefaults() {
    return new EvalRequestValidator(RequestLimits.defaults());
  }

  public RequestLimits limits() {
    return limits;
  }

  /**
   * Checks {@code r}, read under record key {@code key} (null when the record had none).
   *
   * @return ok, or the first violation with a one-line message naming the field
   */
  public Validation validate(String key, EvalRequest r) {
    String id = r.getRequestId();
    if (key == null) {
      return reject(DeadLetterReason.MISSING_KEY, "record has no key; expected the request id '" + id + "'");
    }
    if (!key.equals(id)) {
      return reject(DeadLetterReason.KEY_MISMATCH, "key '" + key + "' differs from requestId '" + id + "'");
    }
    for (String[] f : new String[][] {{"requestId", id}, {"modelVersion", r.getModelVersion()},
        {"promptId", r.getPromptId()}, {"suite", r.getSuite()}, {"split", r.getSplit()}}) {
      if (f[1] == null || f[1].isEmpty()) {
        return reject(DeadLetterReason.MISSING_FIELD, f[0] + " of request '" + id + "' must not be empty");
      }
    }
    int n = r.getNumSamples();
    if (n < 1 || n > limits.maxNumSamples()) {
      return reject(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, "numSamples " + n + " of request " + id
          + " is outside [1, " + limits.maxNumSamples() + "]");
    }
    double alpha = r.getAlpha();
    if (!(alpha > limits.minAlphaExclusive() && alpha <= limits.maxAlpha())) {
      return reject(DeadLetterReason.ALPHA_OUT_OF_RANGE, "alpha " + alpha + " of request " + id + " is outside (0, "
          + limits.maxAlpha() + "]");
    }
    ScorerConfig sc = r.getScorer();
    double tau = sc.getLeakThreshold();
    if (!(tau >= 0 && tau <= 1)) {
      return reject(DeadLetterReason.LEAK_THRESHOLD_OUT_OF_RANGE, "scorer.leakThreshold " + tau + " of request " + id
          + " is outside [0, 1]");
    }
    if (!Scorers.isKnown(sc.getMetric())) {
      return reject(DeadLetterReason.UNKNOWN_METRIC, "scorer.metric '" + sc.getMetric() + "' of request " + id
          + " is not one of " + String.join(", ", Scorers.metricNames()) + " (or the alias exact_match)");
    }
    for (String p : sc.getStripPrefixes()) {
      if (p.isEmpty()) {
        return reject(DeadLetterReason.MISSING_FIELD, "scorer.stripPrefixes of request " + id
            + " contains an empty prefix");
      }
    }
    List<String> refs = r.getReferences();
    if (refs.isEmpty()) {
      return reject(DeadLetterReason.MISSING_REFERENCES, "references of request " + id + " are empty; metric "
          + sc.getMetric() + " scores against references");
    }
    if (refs.size() > limits.maxReferences()) {
      return reject(DeadLetterReason.TOO_MANY_REFERENCES, "references of request " + id + " has " + refs.size()
          + " entries, more than the limit " + limits.maxReferences());
    }
    for (int i = 0; i < refs.size(); i++) {
      if (refs.get(i).length() > limits.maxReferenceChars()) {
        return reject(DeadLetterReason.REFERENCE_TOO_LONG, "references[" + i + "] of request " + id + " has "
            + refs.get(i).length() + " chars, more than the limit " + limits.maxReferenceChars());
      }
    }
    if (r.getPrompt().length() > limits.maxPromptChars()) {
      return reject(DeadLetterReason.PROMPT_TOO_LONG, "prompt of request " + id + " has " + r.getPrompt().length()
          + " chars, more than the limit " + limits.maxPromptChars());
    }
    Validation d = decoding(id, r.getDecoding());
    if (!d.isOk()) {
      return d;
    }
    Integer q = r.getSuiteSize();
    if (q != null && (q < 1 || q > limits.maxSuiteSize())) {
      return reject(DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE, "suiteSize " + q + " of request " + id
          + " is outside [1, " + limits.maxSuiteSize() + "]");
    }
    return stoppingRule(id, r);
  }

  private static Validation stoppingRule(String id, EvalRequest r) {
    StoppingRule rule = r.getStoppingRule();
    if (rule == null) {
      return Validation.ok();
    }
    if (r.getBoundMode() != BoundMode.ANYTIME) {
      return reject(DeadLetterReason.STOPPING_RULE_NOT_ANYTIME, "stoppingRule of request " + id + " needs boundMode "
          + "ANYTIME, got " + r.getBoundMode() + ": stopping when a fixed-n bound crosses a threshold voids its "
          + "guarantee (only anytime-valid bounds allow a data-dependent n)");
    }
    double t = rule.getThreshold();
    if (!(t >= 0 && t <= 1)) {
      return ruleReject("stoppingRule.threshold " + t + " of request " + id + " is outside [0, 1]");
    }
    Double at = rule.getAt();
    if (rule.getMetric() == StoppingMetric.M_MU && at != null) {
      return ruleReject("stoppingRule.at of request " + id + " must be null for M_MU, got " + at);
    }
    if (rule.getMetric() == StoppingMetric.M_GEN && at == null) {
      return ruleReject("stoppingRule.at of request " + id + " is required for M_GEN (the x of P(X > x))");
    }
    if (at != null && !(at >= 0 && at <= 1)) {
      return ruleReject("stoppingRule.at " + at + " of request " + id + " is outside [0, 1]");
    }
    Integer min = rule.getMinSamples();
    if (min != null && (min < 1 || min > r.getNumSamples())) {
      return ruleReject("stoppingRule.minSamples " + min + " of request " + id + " is outside [1, numSamples = "
          + r.getNumSamples() + "]");
    }
    return Validation.ok();
  }

  private static Validation ruleReject(String message) {
    return Validation.reject(DeadLetterReason.STOPPING_RULE_INVALID, message);
  }

  private Validation decoding(String id, DecodingConfig d) {
    double t = d.getTemperature();
    if (!(t > 0 && t <= limits.maxTemperature())) {
      // T = 0 would make every "sample" the greedy output: the bounds would describe a point mass.
      return decodingReject("decoding.temperature " + t + " of request " + id + " is outside (0, "
          + limits.maxTemperature() + "] (the greedy baseline is requested with drawGreedy)");
    }
    double p = d.getTopP();
    if (!(p > 0 && p <= 1)) {
      return decodingReject("decoding.topP " + p + " of request " + id + " is outside (0, 1]");
    }
    int k = d.getTopK();
    if (k < 0 || k > limits.maxTopK()) {
      return decodingReject("decoding.topK " + k + " of request " + id + " is outside [0, " + limits.maxTopK()
          + "] (0 disables top-k)");
    }
    int m = d.getMaxNewTokens();
    if (m < 1 || m > limits.maxNewTokens()) {
      return decodingReject("decoding.maxNewTokens " + m + " of request " + id + " is outside [1, "
          + limits.maxNewTokens() + "]");
    }
    if (d.getAdaptiveTemperature()) {
      double c = d.getAdaptiveTemperatureThreshold();
      if (!(c > 0 && c <= 1)) {
        return decodingReject("decoding.adaptiveTemperatureThreshold " + c + " of request " + id
            + " is outside (0, 1]");
      }
    }
    return Validation.ok();
  }

  private static Validation decodingReject(String message) {
    return Validation.reject(DeadLetterReason.DECODING_OUT_OF_RANGE, message);
  }

  private static Validation reject(DeadLetterReason reason, String message) {
    return Validation.reject(reason, message);
  }
}
