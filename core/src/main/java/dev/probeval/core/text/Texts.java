package dev.probeval.core.text;

/**
 * Bounded renderings of untrusted strings. Every log line, error message, record field and reason that quotes a
 * client's value goes through {@link #clip}, so no line or record is sized by what a client sent, and no raw control
 * character (a NUL, an ANSI escape, a newline that forges a log line) reaches a log, a terminal or a metric.
 */
public final class Texts {
    /** Characters of a quoted value kept by {@link #clip(String)}. */
    public static final int DEFAULT_CLIP_CHARS = 200;
    /** Smallest length {@link #clip(String, int)} accepts: room for the marker with any int length. */
    public static final int MIN_CLIP = 24;

    private Texts() {}

    /** {@link #clip(String, int)} with {@link #DEFAULT_CLIP_CHARS}. */
    public static String clip(String s) {
        return clip(s, DEFAULT_CLIP_CHARS);
    }

    /**
     * {@code s} with each control character, Unicode format character (bidi overrides, zero-width characters, the
     * byte-order mark), line or paragraph separator and unpaired surrogate written as a backslash, {@code u} and four
     * hex digits; when that is longer than {@code maxChars}, a prefix of it followed by {@code …[N chars]} (N the
     * original length), at most {@code maxChars} characters in all. A surrogate pair is never split. Null stays null.
     * Costs no more than the kept prefix, however long {@code s} is.
     *
     * @throws IllegalArgumentException if {@code maxChars < }{@value #MIN_CLIP}
     */
    public static String clip(String s, int maxChars) {
        if (maxChars < MIN_CLIP) {
            throw new IllegalArgumentException("clip length must be >= " + MIN_CLIP + ", got " + maxChars);
        }
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), maxChars) + 8);
        if (render(s, out, maxChars) == s.length()) {
            return out.toString();
        }
        String marker = "…[" + s.length() + " chars]";
        out.setLength(0);
        render(s, out, maxChars - marker.length());
        return out.append(marker).toString();
    }

    /**
     * Appends the rendering of the longest prefix of {@code s} whose rendering fits in {@code budget} chars; returns
     * how many chars of {@code s} it covers.
     */
    private static int render(String s, StringBuilder out, int budget) {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (out.length() + 2 > budget) {
                    break;
                }
                out.append(c).append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            boolean escape = isUnsafe(s, i);
            if (out.length() + (escape ? 6 : 1) > budget) {
                break;
            }
            if (escape) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
            i++;
        }
        return i;
    }

    /**
     * The index of the first character of {@code s} that is a control character (C0, DEL, C1), a Unicode format
     * character (category Cf), a line or paragraph separator, or half of an unpaired surrogate; -1 when there is none.
     */
    public static int firstUnsafeChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isUnsafe(s, i)) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the first unpaired surrogate in {@code s} (text that cannot be encoded as UTF-8), -1 if none. */
    public static int firstUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (unpairedSurrogateAt(s, i)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index of the first control character other than tab, line feed and carriage return, or of an unpaired
     * surrogate: what free text (an attribute value) may not contain. -1 if none.
     */
    public static int firstControlCharInText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') || unpairedSurrogateAt(s, i)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isUnsafe(String s, int i) {
        char c = s.charAt(i);
        if (Character.isISOControl(c) || unpairedSurrogateAt(s, i)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static boolean unpairedSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }
}
