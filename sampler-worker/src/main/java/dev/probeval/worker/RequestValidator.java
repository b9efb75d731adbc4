package dev.probeval.worker;

import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.core.scoring.ScorerSpec;
import dev.probeval.model.sampling.AdaptiveTemperature;
import dev.probeval.model.sampling.DecodingParams;
import java.util.List;
import java.util.Objects;

/**
 * Checks an {@link EvalRequest} before any model time is spent on it and maps it onto the worker's configuration.
 * Every rejection names the field and the value that is wrong; the worker turns it into a dead letter.
 */
public final class RequestValidator {
  private final ModelCatalog catalog;
  private final int maxNewTokensLimit;
  private final int maxSamplesLimit;

  /**
   * @param maxNewTokensLimit largest {@code decoding.maxNewTokens} accepted (guards the worker against a request that
   *     would hold it for hours)
   * @param maxSamplesLimit largest {@code numSamples} accepted
   */
  public RequestValidator(ModelCatalog catalog, int maxNewTokensLimit, int maxSamplesLimit) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    if (maxNewTokensLimit < 1 || maxSamplesLimit < 1) {
      throw new IllegalArgumentException("limits must be >= 1");
    }
    this.maxNewTokensLimit = maxNewTokensLimit;
    this.maxSamplesLimit = maxSamplesLimit;
  }

  /**
   * Validates a request read under {@code key}.
   *
   * @throws RejectedRequestException with the reason and a message naming what is wrong
   */
  public ValidatedRequest validate(String key, EvalRequest r) throws RejectedRequestException {
    String id = r.getRequestId();
    if (id == null || id.isEmpty()) {
      throw invalid("requestId must not be empty");
    }
    if (!id.equals(key)) {
      throw new RejectedRequestException(RejectReason.KEY_MISMATCH,
          "record key '" + key + "' differs from requestId '" + id + "'");
    }
    ModelSpec model = catalog.find(r.getModelVersion()).orElseThrow(() -> new RejectedRequestException(
        RejectReason.UNKNOWN_MODEL_VERSION, "model version '" + r.getModelVersion() + "' of request " + id
            + " is not configured on this worker (configured: " + String.join(", ", catalog.versions()) + ")"));
    int n = r.getNumSamples();
    if (n < 1 || n > maxSamplesLimit) {
      throw invalid("numSamples " + n + " of request " + id + " must be in [1, " + maxSamplesLimit + "]");
    }
    double alpha = r.getAlpha();
    if (!(alpha > 0 && alpha <= 0.5)) {
      throw invalid("alpha " + alpha + " of request " + id + " is outside (0, 0.5]");
    }
    ScorerConfig sc = r.getScorer();
    double tau = sc.getLeakThreshold();
    if (!(tau >= 0 && tau <= 1)) {
      throw invalid("leak threshold " + tau + " of request " + id + " is outside [0, 1]");
    }
    List<String> prefixes = List.copyOf(sc.getStripPrefixes());
    ScorerSpec spec;
    try {
      spec = new ScorerSpec(sc.getMetric(), null, prefixes);
    } catch (IllegalArgumentException e) {
      throw invalid("scorer of request " + id + ": " + e.getMessage());
    }
    if (r.getReferences().isEmpty()) {
      throw invalid("request " + id + " has no references to score against");
    }
    DecodingParams decoding = decoding(id, r.getDecoding());
    return new ValidatedRequest(r, model, decoding, spec.build(), prefixes, tau);
  }

  private DecodingParams decoding(String id, DecodingConfig d) throws RejectedRequestException {
    if (d.getMaxNewTokens() > maxNewTokensLimit) {
      throw invalid("decoding.maxNewTokens " + d.getMaxNewTokens() + " of request " + id
          + " exceeds this worker's limit " + maxNewTokensLimit);
    }
    if (!(d.getTemperature() > 0) || Double.isInfinite(d.getTemperature())) {
      // T = 0 would make every "sample" the greedy output: the bounds would describe a point mass, not the
      // distribution the request claims to evaluate.
      throw invalid("decoding.temperature " + d.getTemperature() + " of request " + id
          + " must be a finite number > 0 (the greedy baseline is requested with drawGreedy)");
    }
    AdaptiveTemperature adaptive = null;
    if (d.getAdaptiveTemperature()) {
      double c = d.getAdaptiveTemperatureThreshold();
      if (!(c > 0 && c <= 1)) {
        throw invalid("decoding.adaptiveTemperatureThreshold " + c + " of request " + id + " is outside (0, 1]");
      }
      adaptive = AdaptiveTemperature.runningMean(c);
    }
    try {
      return DecodingParams.builder().optTemperature(d.getTemperature()).optTopP(d.getTopP())
          .optTopK(d.getTopK()).optMaxNewTokens(d.getMaxNewTokens()).optAdaptive(adaptive).build();
    } catch (IllegalArgumentException e) {
      throw invalid("decoding of request " + id + ": " + e.getMessage());
    }
  }

  private static RejectedRequestException invalid(String message) {
    return new RejectedRequestException(RejectReason.INVALID_REQUEST, message);
  }
}
