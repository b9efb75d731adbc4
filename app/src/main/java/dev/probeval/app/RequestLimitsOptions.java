package dev.probeval.app;

import dev.probeval.contract.RequestLimits;
import picocli.CommandLine.Option;

/**
 * The request contract's limits ({@link RequestLimits}), declared once for {@code probeval aggregate} and
 * {@code probeval worker}: give both the same values, since a request they reject is dead-lettered by the aggregator
 * and skipped by the worker.
 */
final class RequestLimitsOptions {
    @Option(
            names = "--max-num-samples",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_NUM_SAMPLES,
            description = "Request contract: largest numSamples (default: ${DEFAULT-VALUE}).")
    int maxNumSamples;

    @Option(
            names = "--max-prompt-chars",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_PROMPT_CHARS,
            description = "Request contract: longest prompt, in characters (default: ${DEFAULT-VALUE}).")
    int maxPromptChars;

    @Option(
            names = "--max-references",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_REFERENCES,
            description = "Request contract: most references per request (default: ${DEFAULT-VALUE}).")
    int maxReferences;

    @Option(
            names = "--max-reference-chars",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_REFERENCE_CHARS,
            description = "Request contract: longest reference, in characters (default: ${DEFAULT-VALUE}).")
    int maxReferenceChars;

    @Option(
            names = "--max-request-new-tokens",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_NEW_TOKENS,
            description = "Request contract: largest decoding.maxNewTokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--max-temperature",
            paramLabel = "T",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_TEMPERATURE,
            description = "Request contract: largest decoding.temperature (default: ${DEFAULT-VALUE}).")
    double maxTemperature;

    @Option(
            names = "--max-id-chars",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_ID_CHARS,
            description =
                    "Request contract: longest requestId, modelVersion, promptId, suite, split, attribute key and "
                            + "strip prefix, in characters (default: ${DEFAULT-VALUE}).")
    int maxIdChars;

    @Option(
            names = "--max-attributes",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_ATTRIBUTES,
            description = "Request contract: most attributes per request (default: ${DEFAULT-VALUE}).")
    int maxAttributes;

    @Option(
            names = "--max-attribute-chars",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_ATTRIBUTE_CHARS,
            description = "Request contract: longest attribute value, in characters (default: ${DEFAULT-VALUE}).")
    int maxAttributeChars;

    @Option(
            names = "--max-request-bytes",
            paramLabel = "N",
            defaultValue = "" + RequestLimits.DEFAULT_MAX_REQUEST_BYTES,
            description = "Request contract: largest encoded request, in bytes, at most "
                    + RequestLimits.MAX_REQUEST_BYTES_CEILING + " (default: ${DEFAULT-VALUE}).")
    int maxRequestBytes;

    /** Sets the limits on a service's shared settings. */
    void applyTo(dev.probeval.kafka.KafkaServiceConfig.Builder b) {
        b.optRequestLimits(limits());
    }

    /** The limits; a value the contract refuses is a usage error naming its option. */
    RequestLimits limits() {
        RequestLimits.Builder b = RequestLimits.builder()
                .optMaxNumSamples(maxNumSamples)
                .optMaxPromptChars(maxPromptChars)
                .optMaxReferences(maxReferences)
                .optMaxReferenceChars(maxReferenceChars)
                .optMaxNewTokens(maxNewTokens)
                .optMaxTemperature(maxTemperature)
                .optMaxIdChars(maxIdChars)
                .optMaxAttributes(maxAttributes)
                .optMaxAttributeChars(maxAttributeChars)
                .optMaxRequestBytes(maxRequestBytes);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // the record's check names its component ("maxIdChars must be >= 1"): report it under the option's name
            String option = OPTIONS.entrySet().stream()
                    .filter(o -> e.getMessage().startsWith(o.getKey() + " "))
                    .map(java.util.Map.Entry::getValue)
                    .findFirst()
                    .orElse("request contract");
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    /** The option of each {@link RequestLimits} component. */
    private static final java.util.Map<String, String> OPTIONS = java.util.Map.of(
            "maxNumSamples",
            "--max-num-samples",
            "maxPromptChars",
            "--max-prompt-chars",
            "maxReferences",
            "--max-references",
            "maxReferenceChars",
            "--max-reference-chars",
            "maxNewTokens",
            "--max-request-new-tokens",
            "maxTemperature",
            "--max-temperature",
            "maxIdChars",
            "--max-id-chars",
            "maxAttributes",
            "--max-attributes",
            "maxAttributeChars",
            "--max-attribute-chars",
            "maxRequestBytes",
            "--max-request-bytes");
}
