package dev.probeval.core.ids;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Deterministic identities for samples: the sample id and the RNG seed of sample {@code i} of request {@code r} are
 * pure functions of {@code (r, i)} (and of the request's base seed for the RNG), so any one sample can be re-drawn
 * alone, a retried request reproduces the same samples, and the aggregator can de-duplicate redeliveries.
 */
public final class SampleIds {
    /** Sample index reserved for the greedy baseline of a request. */
    public static final int GREEDY_INDEX = -1;

    private SampleIds() {}

    /**
     * Name-based UUID (RFC 4122 version 5, SHA-1) of {@code "probeval-sample:" + requestId + ":" + index}: stable
     * across JVMs and languages, so another service can compute the same id.
     */
    public static String sampleId(String requestId, int sampleIndex) {
        byte[] name = ("probeval-sample:" + requireId(requestId) + ":" + sampleIndex).getBytes(StandardCharsets.UTF_8);
        byte[] h = sha1(name);
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (h[i] & 0xff);
            lsb = (lsb << 8) | (h[i + 8] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }

    /**
     * The 64-bit RNG seed of one sample: SHA-1 of (base seed, request id, index), folded to a long. Independent of the
     * order or the batch in which samples are drawn.
     */
    public static long sampleSeed(long baseSeed, String requestId, int sampleIndex) {
        byte[] h = sha1(("probeval-seed:" + baseSeed + ":" + requireId(requestId) + ":" + sampleIndex)
                .getBytes(StandardCharsets.UTF_8));
        long s = 0;
        for (int i = 0; i < 8; i++) {
            s = (s << 8) | (h[i] & 0xff);
        }
        return s;
    }

    private static String requireId(String requestId) {
        if (requestId == null || requestId.isEmpty()) {
            throw new IllegalArgumentException("request id must be a non-empty string");
        }
        return requestId;
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
    }
}
