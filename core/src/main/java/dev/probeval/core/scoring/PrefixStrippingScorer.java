package dev.probeval.core.scoring;

import java.util.List;
import java.util.Objects;

/**
 * Removes an answer tag such as "Answer:" from the start of the prediction before scoring (paper-spec §2.1: Phi /
 * TOFU generations begin with the tag because the prompt does not end with it, and the authors strip it before
 * scoring). Leading whitespace is skipped, the first listed prefix that matches (ignoring case) is removed once, and
 * the whitespace after it too. References are not changed.
 */
public final class PrefixStrippingScorer implements Scorer {

    private final Scorer base;
    private final List<String> prefixes;

    /**
     * @param prefixes tried in order; none may be empty
     */
    public PrefixStrippingScorer(Scorer base, List<String> prefixes) {
        this.base = Objects.requireNonNull(base, "base");
        this.prefixes = List.copyOf(prefixes);
        for (String p : this.prefixes) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("a prefix to strip must not be empty");
            }
        }
    }

    /** {@code text} without its answer tag, if it has one of the prefixes; otherwise {@code text} unchanged. */
    public static String strip(String text, List<String> prefixes) {
        int start = skipWhitespace(text, 0);
        for (String prefix : prefixes) {
            if (text.regionMatches(true, start, prefix, 0, prefix.length())) {
                return text.substring(skipWhitespace(text, start + prefix.length()));
            }
        }
        return text;
    }

    private static int skipWhitespace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    @Override
    public double score(String prediction, String reference) {
        return base.score(strip(prediction, prefixes), reference);
    }

    @Override
    public double score(String prediction, List<String> references) {
        return base.score(strip(prediction, prefixes), references);
    }

    @Override
    public String toString() {
        return base + " stripping " + prefixes;
    }
}
