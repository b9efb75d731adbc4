package dev.probeval.contract;

/**
 * The configurable limits of the request contract, with documented defaults. Every service that validates requests
 * ({@link EvalRequestValidator}) must run with the same limits: the aggregator dead-letters what they reject and the
 * worker skips it, so a worker with looser limits than its aggregator would draw samples nobody counts (the CLI
 * shares one option set, {@code RequestLimitsOptions}, between {@code probeval aggregate} and {@code probeval worker}).
 *
 * <p>Fixed by the mathematics, not configurable: α in (0, 0.5] (the one-sided Massart constant of the DKW bound needs
 * α ≤ 1/2, paper-spec 8.6), τ in [0, 1], topP in (0, 1], topK ≥ 0 (0 disables it), temperature &gt; 0, the adaptive
 * temperature threshold in (0, 1], maxNewTokens ≥ 1, numSamples ≥ 1, suiteSize ≥ 1.
 *
 * @param maxNumSamples largest numSamples (default {@value #DEFAULT_MAX_NUM_SAMPLES})
 * @param maxPromptChars longest prompt, in UTF-16 chars (default {@value #DEFAULT_MAX_PROMPT_CHARS})
 * @param maxReferences most references (default {@value #DEFAULT_MAX_REFERENCES})
 * @param maxReferenceChars longest reference, in UTF-16 chars (default {@value #DEFAULT_MAX_REFERENCE_CHARS})
 * @param maxNewTokens largest decoding.maxNewTokens (default {@value #DEFAULT_MAX_NEW_TOKENS})
 * @param maxTemperature largest decoding.temperature (default {@value #DEFAULT_MAX_TEMPERATURE})
 * @param maxTopK largest decoding.topK (default {@value #DEFAULT_MAX_TOP_K})
 * @param maxSuiteSize largest declared suiteSize (default {@value #DEFAULT_MAX_SUITE_SIZE})
 */
public record RequestLimits(int maxNumSamples, int maxPromptChars, int maxReferences, int maxReferenceChars,
    int maxNewTokens, double maxTemperature, int maxTopK, int maxSuiteSize) {
  public static final int DEFAULT_MAX_NUM_SAMPLES = 100_000;
  public static final int DEFAULT_MAX_PROMPT_CHARS = 100_000;
  public static final int DEFAULT_MAX_REFERENCES = 64;
  public static final int DEFAULT_MAX_REFERENCE_CHARS = 20_000;
  public static final int DEFAULT_MAX_NEW_TOKENS = 8192;
  public static final double DEFAULT_MAX_TEMPERATURE = 10.0;
  public static final int DEFAULT_MAX_TOP_K = 1_000_000;
  public static final int DEFAULT_MAX_SUITE_SIZE = 10_000_000;
  /** Largest α; fixed (paper-spec 8.6). */
  public static final double MAX_ALPHA = 0.5;

  /**
   * @throws IllegalArgumentException naming the limit that is not positive
   */
  public RequestLimits {
    positive("maxNumSamples", maxNumSamples);
    positive("maxPromptChars", maxPromptChars);
    positive("maxReferences", maxReferences);
    positive("maxReferenceChars", maxReferenceChars);
    positive("maxNewTokens", maxNewTokens);
    positive("maxTopK", maxTopK);
    positive("maxSuiteSize", maxSuiteSize);
    if (!(maxTemperature > 0) || Double.isInfinite(maxTemperature)) {
      throw new IllegalArgumentException("maxTemperature must be a finite number > 0, got " + maxTemperature);
    }
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
  }

  /** The documented defaults. */
  public static RequestLimits defaults() {
    return new RequestLimits(DEFAULT_MAX_NUM_SAMPLES, DEFAULT_MAX_PROMPT_CHARS, DEFAULT_MAX_REFERENCES,
        DEFAULT_MAX_REFERENCE_CHARS, DEFAULT_MAX_NEW_TOKENS, DEFAULT_MAX_TEMPERATURE, DEFAULT_MAX_TOP_K,
        DEFAULT_MAX_SUITE_SIZE);
  }

  /** α is valid when in (0, {@link #MAX_ALPHA}]. */
  public double minAlphaExclusive() {
    return 0.0;
  }

  public double maxAlpha() {
    return MAX_ALPHA;
  }

  public RequestLimits withMaxNumSamples(int v) {
    return new RequestLimits(v, maxPromptChars, maxReferences, maxReferenceChars, maxNewTokens, maxTemperature,
        maxTopK, maxSuiteSize);
  }

  public RequestLimits withMaxPromptChars(int v) {
    return new RequestLimits(maxNumSamples, v, maxReferences, maxReferenceChars, maxNewTokens, maxTemperature,
        maxTopK, maxSuiteSize);
  }

  public RequestLimits withMaxReferences(int v) {
    return new RequestLimits(maxNumSamples, maxPromptChars, v, maxReferenceChars, maxNewTokens, maxTemperature,
        maxTopK, maxSuiteSize);
  }

  public RequestLimits withMaxReferenceChars(int v) {
    return new RequestLimits(maxNumSamples, maxPromptChars, maxReferences, v, maxNewTokens, maxTemperature,
        maxTopK, maxSuiteSize);
  }

  public RequestLimits withMaxNewTokens(int v) {
    return new RequestLimits(maxNumSamples, maxPromptChars, maxReferences, maxReferenceChars, v, maxTemperature,
        maxTopK, maxSuiteSize);
  }

  public RequestLimits withMaxTemperature(double v) {
    return new RequestLimits(maxNumSamples, maxPromptChars, maxReferences, maxReferenceChars, maxNewTokens, v,
        maxTopK, maxSuiteSize);
  }
}
