package dev.probeval.core.scoring;

import java.util.Locale;

/**
 * 1 if the reference occurs in the prediction as a case-insensitive substring ({@link Locale#ROOT} lowercasing),
 * else 0: "did the answer leak anywhere in the output". Surrounding whitespace of the reference is ignored; a blank
 * reference never matches, because it would otherwise match every output.
 */
final class ContainsScorer implements Scorer {

    @Override
    public double score(String prediction, String reference) {
        String needle = reference.strip().toLowerCase(Locale.ROOT);
        if (needle.isEmpty()) {
            return 0.0;
        }
        return prediction.toLowerCase(Locale.ROOT).contains(needle) ? 1.0 : 0.0;
    }

    @Override
    public String toString() {
        return "contains";
    }
}
