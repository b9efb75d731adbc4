package dev.probeval.contract;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The model roll-up's group key: requests roll up together only when they share model version, suite, split, bound
 * mode, α, declared suite size and decoding configuration, so requests that differ in any of them never merge into
 * one suite bound silently. Key: {@code modelVersion|suite|split|mode|alpha|suiteSize|decodingHash}, with
 * {@code suiteSize} {@code -} when not declared; it starts with {@link Topics#modelBoundsKey}, so a prefix scan by
 * model version still finds every group of a version.
 */
public final class RollupKey {
    /**
     * Separates the key's fields; the contract refuses it inside modelVersion, suite and split
     * ({@link DeadLetterReason#INVALID_CHARACTER}), so a key splits back into its fields unambiguously.
     */
    public static final char SEPARATOR = '|';

    private RollupKey() {}

    /** The group key of {@code r}. */
    public static String of(EvalRequest r) {
        return of(
                r.getModelVersion(),
                r.getSuite(),
                r.getSplit(),
                r.getBoundMode(),
                r.getAlpha(),
                r.getSuiteSize(),
                decodingHash(r.getDecoding()));
    }

    public static String of(
            String modelVersion,
            String suite,
            String split,
            BoundMode mode,
            double alpha,
            Integer suiteSize,
            String decodingHash) {
        return Topics.modelBoundsKey(modelVersion, suite, split) + "|" + mode + "|" + alpha + "|"
                + (suiteSize == null ? "-" : suiteSize.toString()) + "|" + decodingHash;
    }

    /**
     * A 16-hex-digit digest (first 8 bytes of SHA-256) of the decoding fields the output distribution depends on:
     * temperature, topP, topK, maxNewTokens, adaptive temperature and its threshold (the seed is excluded: requests with
     * different seeds sample the same distribution).
     */
    public static String decodingHash(DecodingConfig d) {
        String canon = d.getTemperature() + ";" + d.getTopP() + ";" + d.getTopK() + ";" + d.getMaxNewTokens() + ";"
                + d.getAdaptiveTemperature() + ";"
                + (d.getAdaptiveTemperature() ? d.getAdaptiveTemperatureThreshold() : "");
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(canon.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
