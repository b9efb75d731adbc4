package dev.probeval.lab;

import java.util.Locale;

/** The unlearning baselines of paper-spec §4.1. */
public enum Method {
    /** Gradient ascent on the forget set. */
    GA,
    /** Gradient difference: descent on retain, ascent on forget. */
    GD,
    /** Negative preference optimisation with a retain NLL term, reference = base. */
    NPO;

    /** Lower-case name as used in version names ({@code ga}, {@code gd}, {@code npo}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code ga|gd|npo} (any case); the error lists the valid names. */
    public static Method parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown unlearning method '" + s + "' (valid: ga, gd, npo)");
        }
    }

    /** Version name of a checkpoint: {@code ga-s10}, {@code ga+ent-s10}, … */
    public String version(boolean entropy, int step) {
        return id() + (entropy ? "+ent" : "") + "-s" + step;
    }
}
