package dev.probeval.core.scoring;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Normalised exact match, as question-answering harnesses use it: 1 if the prediction equals a reference after both
 * are normalised, else 0. Normalisation: Unicode NFKC, lowercase ({@link Locale#ROOT}), punctuation deleted (so
 * "Al-Kuwaiti" and "AlKuwaiti" agree), the articles "a", "an", "the" removed, whitespace collapsed and trimmed.
 */
final class ExactMatchScorer implements Scorer {

    private static final Pattern PUNCTUATION = Pattern.compile("[\\p{IsPunctuation}\\p{S}]");
    private static final Pattern ARTICLES = Pattern.compile("\\b(?:a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /** The normal form both sides are compared in. */
    public static String normalize(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        s = PUNCTUATION.matcher(s).replaceAll("");
        s = ARTICLES.matcher(s).replaceAll(" ");
        return WHITESPACE.matcher(s).replaceAll(" ").trim();
    }

    @Override
    public double score(String prediction, String reference) {
        return normalize(prediction).equals(normalize(reference)) ? 1.0 : 0.0;
    }

    @Override
    public String toString() {
        return "exact";
    }
}
