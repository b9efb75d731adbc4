package dev.probeval.producer;

import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.core.scoring.ScorerSpec;
import java.util.List;
import java.util.Optional;

/**
 * The request rules the sampler worker applies to what it consumes (ids, model version, n, α, τ, scorer, decoding),
 * checked before sending so a bad request fails at the producer with its line number instead of in a dead-letter
 * topic. Limits: {@code maxSamples} and {@code maxNewTokens} mirror the worker's defaults.
 */
public final class BasicRequestCheck implements RequestCheck {
  /** The worker's default {@code --max-samples-limit}. */
  public static final int DEFAULT_MAX_SAMPLES = 1_000_000;
  /** The worker's default {@code --max-new-tokens-limit}. */
  public static final int DEFAULT_MAX_NEW_TOKENS = 4096;

  private final int maxSamples;
  private final int maxNewTokens;

  public BasicRequestCheck() {
    this(DEFAULT_MAX_SAMPLES, DEFAULT_MAX_NEW_TOKENS);
  }

  public BasicRequestCheck(int maxSamples, int maxNewTokens) {
    this.maxSamples = maxSamples;
    this.maxNewTokens = maxNewTokens;
  }

  @Override
  public Optional<String> problem(EvalRequest r) {
    if (r.getRequestId() == null || r.getRequestId().isBlank()) {
      return Optional.of("requestId must not be empty");
    }
    if (r.getModelVersion() == null || r.getModelVersion().isBlank()) {
      return Optional.of("modelVersion must not be empty (pass --model-version or set it on the line)");
    }
    if (r.getPromptId().isBlank()) {
      return Optional.of("promptId must not be empty");
    }
    if (r.getPrompt().isEmpty()) {
      return Optional.of("prompt must not be empty");
    }
    if (r.getReferences().isEmpty()) {
      return Optional.of("references must not be empty (nothing to score against)");
    }
    int n = r.getNumSamples();
    if (n < 1 || n > maxSamples) {
      return Optional.of("numSamples " + n + " must be in [1, " + maxSamples + "]");
    }
    double alpha = r.getAlpha();
    if (!(alpha > 0 && alpha <= 0.5)) {
      return Optional.of("alpha " + alpha + " is outside (0, 0.5]");
    }
    double tau = r.getScorer().getLeakThreshold();
    if (!(tau >= 0 && tau <= 1)) {
      return Optional.of("scorer.leakThreshold " + tau + " is outside [0, 1]");
    }
    try {
      new ScorerSpec(r.getScorer().getMetric(), null, List.copyOf(r.getScorer().getStripPrefixes())).build();
    } catch (IllegalArgumentException e) {
      return Optional.of("scorer: " + e.getMessage());
    }
    DecodingConfig d = r.getDecoding();
    if (!(d.getTemperature() > 0) || Double.isInfinite(d.getTemperature())) {
      return Optional.of("decoding.temperature " + d.getTemperature() + " must be a finite number > 0");
    }
    if (!(d.getTopP() > 0 && d.getTopP() <= 1)) {
      return Optional.of("decoding.topP " + d.getTopP() + " is outside (0, 1]");
    }
    if (d.getTopK() < 0) {
      return Optional.of("decoding.topK " + d.getTopK() + " must be >= 0");
    }
    if (d.getMaxNewTokens() < 1 || d.getMaxNewTokens() > maxNewTokens) {
      return Optional.of("decoding.maxNewTokens " + d.getMaxNewTokens() + " must be in [1, " + maxNewTokens + "]");
    }
    double c = d.getAdaptiveTemperatureThreshold();
    if (d.getAdaptiveTemperature() && !(c > 0 && c <= 1)) {
      return Optional.of("decoding.adaptiveTemperatureThreshold " + c + " is outside (0, 1]");
    }
    return Optional.empty();
  }
}
