package dev.probeval.aggregator;

import dev.probeval.core.ids.SampleIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks that a sample id equals {@link SampleIds#sampleId}(requestId, index) — the same SHA-1 name-based UUID, the
 * same check — without the per-sample costs of computing the expected id as a string: the digest instance is reused
 * (one per processor, i.e. per task and stream thread), the name is fed to it without building a String, and the
 * 36-character id is compared with the digest's bytes in place instead of formatting a UUID. {@code
 * SampleIdCheckTest} pins it to {@link SampleIds#sampleId} for matching and mismatching ids. Not thread-safe.
 */
final class SampleIdCheck {
    private static final byte[] PREFIX = "probeval-sample:".getBytes(StandardCharsets.UTF_8);
    private static final String HEX = "0123456789abcdef";

    private final MessageDigest sha1;
    private final byte[] digits = new byte[12];

    SampleIdCheck() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
    }

    /** True when {@code sampleId} is exactly SampleIds.sampleId(requestId, index) (lower-case canonical UUID form). */
    boolean matches(String sampleId, String requestId, int index) {
        if (sampleId == null || sampleId.length() != 36 || requestId.isEmpty()) {
            return false;
        }
        sha1.reset();
        sha1.update(PREFIX);
        sha1.update(requestId.getBytes(StandardCharsets.UTF_8));
        sha1.update((byte) ':');
        // Integer.toString(index) as ASCII bytes, written from the right without a String
        long v = Math.abs((long) index);
        int start = digits.length;
        do {
            digits[--start] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        if (index < 0) {
            digits[--start] = '-';
        }
        sha1.update(digits, start, digits.length - start);
        byte[] h = sha1.digest();
        // RFC 4122 version 5 and variant bits, as SampleIds.sampleId sets them
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        int c = 0;
        for (int i = 0; i < 16; i++) {
            if (c == 8 || c == 13 || c == 18 || c == 23) {
                if (sampleId.charAt(c) != '-') {
                    return false;
                }
                c++;
            }
            if (sampleId.charAt(c) != HEX.charAt((h[i] >>> 4) & 0xf)
                    || sampleId.charAt(c + 1) != HEX.charAt(h[i] & 0xf)) {
                return false;
            }
            c += 2;
        }
        return true;
    }
}
