package dev.probeval.benchmarks.bounds;

/**
 * A deterministic stream of ROUGE-like scores shared with {@code benchmarks/python/bounds_reference.py}: 30 % exact
 * 0, 10 % exact 1, the rest on the lattice k/40 (k = 1..39), as ROUGE recall of short answers takes few distinct
 * values. Score i depends only on i, so the Java and Python sides see the same scores in the same order.
 */
public final class RougeLikeScores {
    private RougeLikeScores() {}

    /** Score number i (i ≥ 0). The Python side computes the same 32-bit hash. */
    public static double score(long i) {
        long h = (i * 0x9E3779B1L + 0x7F4A7C15L) & 0xFFFFFFFFL;
        h ^= h >>> 15;
        h = (h * 0x2C1B3C6DL) & 0xFFFFFFFFL;
        h ^= h >>> 12;
        long r = h % 1000;
        if (r < 300) {
            return 0.0;
        }
        if (r < 400) {
            return 1.0;
        }
        return (1 + (h >>> 10) % 39) / 40.0;
    }

    /** Scores from..from+count−1. */
    public static double[] range(long from, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = score(from + i);
        }
        return out;
    }
}
