package dev.probeval.producer;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.StoppingRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic request ids: the same model version, suite, split, prompt id, decoding, n, α and bound mode always
 * give the same id, so re-submitting a suite produces the same keys and the aggregator counts it once. Samples are
 * seeded from the id, so the id also fixes which samples are drawn.
 */
final class RequestIds {
    private RequestIds() {}

    /** {@code req-} and the first 24 hex digits of the SHA-256 of the fields, unit-separated. */
    static String derive(
            String modelVersion,
            String suite,
            String split,
            String promptId,
            DecodingConfig decoding,
            int numSamples,
            double alpha,
            BoundMode mode) {
        return derive(modelVersion, suite, split, promptId, decoding, numSamples, alpha, mode, null);
    }

    /**
     * As {@link #derive(String, String, String, String, DecodingConfig, int, double, BoundMode)}, plus the stopping
     * rule when there is one (a request without a rule keeps the id it always had).
     */
    static String derive(
            String modelVersion,
            String suite,
            String split,
            String promptId,
            DecodingConfig decoding,
            int numSamples,
            double alpha,
            BoundMode mode,
            StoppingRule rule) {
        StringBuilder sb = new StringBuilder();
        if (rule != null) {
            sb.append("stop:")
                    .append(rule.getMetric())
                    .append(',')
                    .append(rule.getAt())
                    .append(',')
                    .append(rule.getThreshold())
                    .append(',')
                    .append(rule.getDecide())
                    .append(',')
                    .append(rule.getMinSamples())
                    .append('\u001f');
        }
        for (Object o : new Object[] {
            modelVersion,
            suite,
            split,
            promptId,
            decoding.getTemperature(),
            decoding.getTopP(),
            decoding.getTopK(),
            decoding.getMaxNewTokens(),
            decoding.getSeed(),
            decoding.getAdaptiveTemperature(),
            decoding.getAdaptiveTemperatureThreshold(),
            numSamples,
            alpha,
            mode
        }) {
            sb.append(o).append('\u001f');
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return "req-" + HexFormat.of().formatHex(h, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
