package dev.probeval.http;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Label values for meters tagged by something a client chose (a model version, a suite, a split): at most
 * {@code maxValues} distinct values (or combinations of values, for a meter tagged by several) are kept, first come
 * first kept; every later one is reported as {@value #OTHER}. Each value is also made safe for the Prometheus text
 * format: control characters become {@code '_'} and values longer than {@value #MAX_LENGTH} characters are cut, so a
 * scrape of {@code /metrics} never carries raw NUL bytes or megabyte labels. Memory is bounded by {@code maxValues}
 * times the length of the kept values. Thread-safe.
 *
 * <p>It lives in the shared HTTP module because both services serve {@code /metrics} and depend on it; it needs no
 * Micrometer of its own (callers pass the returned strings to {@code Tags}).
 */
public final class BoundedTagValues {
    /** The value reported for every value beyond the cap. */
    public static final String OTHER = "_other";
    /** Longest label value kept, in characters; longer ones are cut and end with {@code "..."}. */
    public static final int MAX_LENGTH = 128;

    private static final String CUT = "...";

    private final int maxValues;
    private final ConcurrentHashMap<String, Boolean> kept = new ConcurrentHashMap<>();
    private final AtomicLong overflowed = new AtomicLong();

    /** A cap of {@code maxValues} (at least 1) distinct values or combinations. */
    public BoundedTagValues(int maxValues) {
        if (maxValues < 1) {
            throw new IllegalArgumentException("the number of label values kept must be >= 1, got " + maxValues);
        }
        this.maxValues = maxValues;
    }

    /** The label value for {@code raw}: the sanitised value while it is one of the kept ones, else {@value #OTHER}. */
    public String value(String raw) {
        // Hot path (once per counted sample): a kept value is returned without allocating. Kept keys are sanitised, so
        // a
        // hit is a clean value, unless it is a combination's key, which holds NUL.
        if (raw != null && kept.containsKey(raw) && raw.indexOf('\u0000') < 0) {
            return raw;
        }
        return values(raw)[0];
    }

    /**
     * The label values for one combination of client-chosen values (a meter tagged by several): the sanitised values
     * while the combination is one of the kept ones, else {@value #OTHER} for each.
     */
    public String[] values(String... raw) {
        String[] clean = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            clean[i] = sanitize(raw[i]);
        }
        // Sanitised values hold no control characters, so NUL cannot occur inside one and separates them unambiguously.
        String key = String.join("\u0000", clean);
        if (kept.containsKey(key)) {
            return clean;
        }
        synchronized (this) {
            if (kept.containsKey(key)) {
                return clean;
            }
            if (kept.size() < maxValues) {
                kept.put(key, Boolean.TRUE);
                return clean;
            }
        }
        overflowed.incrementAndGet();
        String[] other = new String[raw.length];
        Arrays.fill(other, OTHER);
        return other;
    }

    /** Distinct values (or combinations) kept so far, at most the cap. */
    public int size() {
        return kept.size();
    }

    /** How many times a value beyond the cap was reported as {@value #OTHER}. */
    public long overflowed() {
        return overflowed.get();
    }

    /**
     * {@code raw} as a label value: null becomes {@code ""}, control characters (NUL, newlines, ...) become {@code '_'},
     * and anything beyond {@value #MAX_LENGTH} characters is cut to a prefix ending in {@code "..."}. Never equal to
     * {@value #OTHER} unless {@code raw} is.
     */
    public static String sanitize(String raw) {
        if (raw == null) {
            return "";
        }
        boolean cut = raw.length() > MAX_LENGTH;
        int end = cut ? MAX_LENGTH - CUT.length() : raw.length();
        if (cut && Character.isHighSurrogate(raw.charAt(end - 1))) {
            end--; // never split a surrogate pair: half a character is not valid UTF-8 on the wire
        }
        StringBuilder b = null;
        for (int i = 0; i < end; i++) {
            char c = raw.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !isPairedAt(raw, i, end)) {
                if (b == null) {
                    b = new StringBuilder(end + CUT.length()).append(raw, 0, i);
                }
                b.append('_');
            } else if (b != null) {
                b.append(c);
            }
        }
        if (b == null && !cut) {
            return raw;
        }
        if (b == null) {
            b = new StringBuilder(end + CUT.length()).append(raw, 0, end);
        }
        return cut ? b.append(CUT).toString() : b.toString();
    }

    private static boolean isPairedAt(String s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
