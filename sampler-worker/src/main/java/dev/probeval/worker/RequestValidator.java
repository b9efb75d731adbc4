package dev.probeval.worker;

import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.EvalRequestValidator;
import dev.probeval.contract.RequestLimits;
import dev.probeval.contract.Validation;
import dev.probeval.core.scoring.ScorerSpec;
import dev.probeval.model.sampling.AdaptiveTemperature;
import dev.probeval.model.sampling.DecodingParams;
import java.util.List;
import java.util.Objects;

/**
 * Checks an {@link EvalRequest} before any model time is spent on it and maps it onto the worker's configuration.
 * First the shared contract ({@link EvalRequestValidator}, the aggregator's too): a violation is a
 * {@linkplain RejectedRequestException#contractViolation() contract violation}, skipped by the worker because the
 * aggregator dead-letters it. Then the worker's own checks (model version configured here, this worker's limits),
 * whose failures end the request REJECTED. Every rejection names the field and the value that is wrong.
 */
final class RequestValidator {
    private final ModelCatalog catalog;
    private final int maxNewTokensLimit;
    private final int maxSamplesLimit;
    private final EvalRequestValidator contract;
    private final int maxIdentifierChars;

    /**
     * @param maxNewTokensLimit largest {@code decoding.maxNewTokens} accepted (guards the worker against a request that
     *     would hold it for hours)
     * @param maxSamplesLimit largest {@code numSamples} accepted
     */
    RequestValidator(ModelCatalog catalog, int maxNewTokensLimit, int maxSamplesLimit) {
        this(catalog, maxNewTokensLimit, maxSamplesLimit, RequestLimits.defaults());
    }

    /** As above, with the shared contract's limits (the same as the aggregator's). */
    RequestValidator(ModelCatalog catalog, int maxNewTokensLimit, int maxSamplesLimit, RequestLimits limits) {
        this(catalog, maxNewTokensLimit, maxSamplesLimit, limits, WorkerConfig.DEFAULT_MAX_IDENTIFIER_CHARS);
    }

    /**
     * As above, refusing identifiers ({@code requestId}, {@code modelVersion}, {@code promptId}, {@code suite},
     * {@code split}) longer than {@code maxIdentifierChars} with {@code WORKER_LIMIT_EXCEEDED}: every sample record
     * copies them, so they bound its size.
     */
    RequestValidator(
            ModelCatalog catalog,
            int maxNewTokensLimit,
            int maxSamplesLimit,
            RequestLimits limits,
            int maxIdentifierChars) {
        this.maxIdentifierChars = maxIdentifierChars;
        this.contract = new EvalRequestValidator(limits);
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
    ValidatedRequest validate(String key, EvalRequest r) throws RejectedRequestException {
        Validation v = contract.validate(key, r);
        if (!v.isOk()) {
            throw RejectedRequestException.contract(v.reason(), v.message());
        }
        String id = LogText.id(r.getRequestId());
        checkIdentifiers(r, id);
        ModelSpec model = catalog.find(r.getModelVersion())
                .orElseThrow(() -> new RejectedRequestException(
                        DeadLetterReason.UNKNOWN_MODEL_VERSION,
                        "model version '" + LogText.id(r.getModelVersion()) + "' of request " + id
                                + " is not configured on this worker (configured: "
                                + String.join(", ", catalog.versions()) + ")"));
        int n = r.getNumSamples();
        if (n > maxSamplesLimit) {
            throw new RejectedRequestException(
                    DeadLetterReason.WORKER_LIMIT_EXCEEDED,
                    "numSamples " + n + " of request " + id + " exceeds this worker's limit " + maxSamplesLimit);
        }
        ScorerConfig sc = r.getScorer();
        List<String> prefixes = List.copyOf(sc.getStripPrefixes());
        ScorerSpec spec;
        try {
            spec = new ScorerSpec(sc.getMetric(), null, prefixes);
        } catch (IllegalArgumentException e) {
            throw RejectedRequestException.contract(
                    DeadLetterReason.UNKNOWN_METRIC, "scorer of request " + id + ": " + e.getMessage());
        }
        // a reference the metric cannot use (an invalid or oversized regex) was refused by the contract, before drawing
        DecodingParams decoding = decoding(id, r.getDecoding());
        return new ValidatedRequest(r, model, decoding, spec.build(), prefixes, sc.getLeakThreshold());
    }

    private void checkIdentifiers(EvalRequest r, String id) throws RejectedRequestException {
        String[][] fields = {
            {"requestId", r.getRequestId()},
            {"modelVersion", r.getModelVersion()},
            {"promptId", r.getPromptId()},
            {"suite", r.getSuite()},
            {"split", r.getSplit()}
        };
        for (String[] f : fields) {
            if (f[1] != null && f[1].length() > maxIdentifierChars) {
                throw new RejectedRequestException(
                        DeadLetterReason.WORKER_LIMIT_EXCEEDED,
                        f[0] + " of request " + id + " is "
                                + f[1].length() + " chars long, over this worker's identifier limit of "
                                + maxIdentifierChars + " ('"
                                + LogText.id(f[1]) + "')");
            }
        }
    }

    private DecodingParams decoding(String id, DecodingConfig d) throws RejectedRequestException {
        if (d.getMaxNewTokens() > maxNewTokensLimit) {
            throw new RejectedRequestException(
                    DeadLetterReason.WORKER_LIMIT_EXCEEDED,
                    "decoding.maxNewTokens " + d.getMaxNewTokens() + " of request " + id
                            + " exceeds this worker's limit " + maxNewTokensLimit);
        }
        // temperature, topP, topK and the adaptive threshold were range-checked by the contract
        AdaptiveTemperature adaptive = d.getAdaptiveTemperature()
                ? AdaptiveTemperature.runningMean(d.getAdaptiveTemperatureThreshold())
                : null;
        try {
            return DecodingParams.builder()
                    .optTemperature(d.getTemperature())
                    .optTopP(d.getTopP())
                    .optTopK(d.getTopK())
                    .optMaxNewTokens(d.getMaxNewTokens())
                    .optAdaptive(adaptive)
                    .build();
        } catch (IllegalArgumentException e) {
            // within the contract but not accepted by this worker's decoder: the worker's own refusal
            throw new RejectedRequestException(
                    DeadLetterReason.DECODING_OUT_OF_RANGE, "decoding of request " + id + ": " + e.getMessage());
        }
    }
}
