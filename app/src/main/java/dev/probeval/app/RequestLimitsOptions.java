package dev.probeval.app;

import dev.probeval.contract.RequestLimits;
import picocli.CommandLine.Option;

/**
 * The request contract's limits ({@link RequestLimits}), declared once for {@code probeval aggregate} and
 * {@code probeval worker}: give both the same values, since a request they reject is dead-lettered by the aggregator
 * and skipped by the worker.
 */
final class RequestLimitsOptions {
  @Option(names = "--max-num-samples", paramLabel = "N", defaultValue = "" + RequestLimits.DEFAULT_MAX_NUM_SAMPLES,
      description = "Request contract: largest numSamples (default: ${DEFAULT-VALUE}).")
  int maxNumSamples;

  @Option(names = "--max-prompt-chars", paramLabel = "N", defaultValue = "" + RequestLimits.DEFAULT_MAX_PROMPT_CHARS,
      description = "Request contract: longest prompt, in characters (default: ${DEFAULT-VALUE}).")
  int maxPromptChars;

  @Option(names = "--max-references", paramLabel = "N", defaultValue = "" + RequestLimits.DEFAULT_MAX_REFERENCES,
      description = "Request contract: most references per request (default: ${DEFAULT-VALUE}).")
  int maxReferences;

  @Option(names = "--max-reference-chars", paramLabel = "N",
      defaultValue = "" + RequestLimits.DEFAULT_MAX_REFERENCE_CHARS,
      description = "Request contract: longest reference, in characters (default: ${DEFAULT-VALUE}).")
  int maxReferenceChars;

  @Option(names = "--max-request-new-tokens", paramLabel = "N",
      defaultValue = "" + RequestLimits.DEFAULT_MAX_NEW_TOKENS,
      description = "Request contract: largest decoding.maxNewTokens (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--max-temperature", paramLabel = "T", defaultValue = "" + RequestLimits.DEFAULT_MAX_TEMPERATURE,
      description = "Request contract: largest decoding.temperature (default: ${DEFAULT-VALUE}).")
  double maxTemperature;

  /** The limits; a value the contract refuses is a usage error naming its option. */
  RequestLimits limits() {
    RequestLimits[] l = {RequestLimits.defaults()};
    Cli.option("--max-num-samples", () -> l[0] = l[0].withMaxNumSamples(maxNumSamples));
    Cli.option("--max-prompt-chars", () -> l[0] = l[0].withMaxPromptChars(maxPromptChars));
    Cli.option("--max-references", () -> l[0] = l[0].withMaxReferences(maxReferences));
    Cli.option("--max-reference-chars", () -> l[0] = l[0].withMaxReferenceChars(maxReferenceChars));
    Cli.option("--max-request-new-tokens", () -> l[0] = l[0].withMaxNewTokens(maxNewTokens));
    Cli.option("--max-temperature", () -> l[0] = l[0].withMaxTemperature(maxTemperature));
    return l[0];
  }
}
