package dev.probeval.core.bounds;

/** How a bound is computed: reference parity, fixed-n guarantees, or guarantees that hold at every n at once. */
public enum BoundMode {
    /**
     * Bit-for-bit the reference library {@code conbo} 0.1.0 (100-point grid, its α conventions and its variance
     * formula, including the atom-at-0 flaw of paper-spec §1.5). For reproducing published numbers.
     */
    CONBO,
    /**
     * Every reported bound holds with probability ≥ 1−α for a fixed, pre-chosen n: exact Anderson integral for M_μ,
     * the atom-at-0 correction for M_σ, M_σ clipped to 0.5, M_μ and M_σ from one band when combined into ED.
     */
    SOUND,
    /**
     * Confidence sequences: every bound holds simultaneously for all n with probability ≥ 1−α, so a stream may be
     * checked after every sample and stopped at the first crossing.
     */
    ANYTIME;

    /** Parses a mode name case-insensitively, with a message listing the valid names. */
    public static BoundMode parse(String s) {
        for (BoundMode m : values()) {
            if (m.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown bound mode '" + s + "'; expected conbo, sound or anytime");
    }
}
