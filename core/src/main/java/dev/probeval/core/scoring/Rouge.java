package dev.probeval.core.scoring;

import java.util.HashMap;
import java.util.Map;

/**
 * ROUGE-L and ROUGE-1 on token arrays, with {@code rouge_score} 0.1.2's arithmetic (paper-spec §2.2): P = overlap /
 * |prediction|, R = overlap / |reference|, F = 2PR/(P+R), and all three 0 when either side has no tokens.
 */
public final class Rouge {

    /** Which overlap: longest common subsequence (ROUGE-L) or clipped unigram matches (ROUGE-1). */
    public enum Variant {
        ROUGE_L,
        ROUGE_1
    }

    /** Which number of a {@link Score}: recall is the TOFU convention, F-measure the paper's released demo. */
    public enum Measure {
        RECALL,
        PRECISION,
        F1
    }

    /** Precision, recall and F-measure of one (prediction, reference) pair. */
    public record Score(double precision, double recall, double fmeasure) {
        /** The requested measure. */
        public double get(Measure measure) {
            return switch (measure) {
                case RECALL -> recall;
                case PRECISION -> precision;
                case F1 -> fmeasure;
            };
        }
    }

    private static final Score ZERO = new Score(0, 0, 0);

    private Rouge() {}

    /** ROUGE-L of a tokenized pair. */
    public static Score rougeL(String[] prediction, String[] reference) {
        if (prediction.length == 0 || reference.length == 0) {
            return ZERO;
        }
        return score(lcsLength(prediction, reference), prediction.length, reference.length);
    }

    /** ROUGE-1 of a tokenized pair (each reference unigram matches at most as often as it occurs in both). */
    public static Score rouge1(String[] prediction, String[] reference) {
        if (prediction.length == 0 || reference.length == 0) {
            return ZERO;
        }
        return score(unigramOverlap(prediction, reference), prediction.length, reference.length);
    }

    /** The score of one variant. */
    public static Score of(Variant variant, String[] prediction, String[] reference) {
        return variant == Variant.ROUGE_L ? rougeL(prediction, reference) : rouge1(prediction, reference);
    }

    /**
     * Length of the longest common subsequence, by the bit-vector algorithm of Crochemore, Iliopoulos, Pinzon and Reid
     * ("A fast and practical bit-vector algorithm for the longest common subsequence problem", IPL 80(6), 2001): the
     * shorter sequence becomes a bit vector, so each token of the longer one costs one hash lookup and a few word
     * operations instead of a row of the dynamic-programming table. Equal to the table's result (tests check both).
     */
    public static int lcsLength(String[] a, String[] b) {
        if (a.length < b.length) {
            String[] t = a;
            a = b;
            b = t;
        }
        int m = b.length;
        if (m == 0) {
            return 0;
        }
        return m <= 64 ? lcsOneWord(a, b) : lcsMultiWord(a, b);
    }

    private static int lcsOneWord(String[] a, String[] b) {
        int m = b.length;
        // Match mask of each distinct token of b: bit j set where b[j] equals it.
        HashMap<String, long[]> masks = new HashMap<>(m * 2);
        for (int j = 0; j < m; j++) {
            masks.computeIfAbsent(b[j], k -> new long[1])[0] |= 1L << j;
        }
        long v = -1L; // a zero bit j in V marks a position of b that ends a match of the current LCS
        for (String x : a) {
            long[] match = masks.get(x);
            if (match != null) {
                long u = v & match[0];
                v = (v + u) | (v & ~match[0]);
            }
        }
        long low = m == 64 ? -1L : (1L << m) - 1;
        return m - Long.bitCount(v & low);
    }

    private static int lcsMultiWord(String[] a, String[] b) {
        int m = b.length;
        int words = (m + 63) >>> 6;
        HashMap<String, long[]> masks = new HashMap<>(m * 2);
        for (int j = 0; j < m; j++) {
            masks.computeIfAbsent(b[j], k -> new long[words])[j >>> 6] |= 1L << (j & 63);
        }
        long[] v = new long[words];
        java.util.Arrays.fill(v, -1L);
        for (String x : a) {
            long[] match = masks.get(x);
            if (match == null) {
                continue;
            }
            long carry = 0;
            for (int k = 0; k < words; k++) {
                long vk = v[k];
                long u = vk & match[k];
                long s1 = vk + u;
                long s2 = s1 + carry;
                carry = (Long.compareUnsigned(s1, vk) < 0 || (carry != 0 && s2 == 0)) ? 1 : 0;
                v[k] = s2 | (vk & ~match[k]);
            }
        }
        int zeros = 0;
        for (int k = 0; k < words; k++) {
            int bits = Math.min(64, m - (k << 6));
            long low = bits == 64 ? -1L : (1L << bits) - 1;
            zeros += bits - Long.bitCount(v[k] & low);
        }
        return zeros;
    }

    /** The textbook dynamic-programming LCS length; the reference the bit-vector version is tested against. */
    static int lcsLengthByTable(String[] a, String[] b) {
        int[] row = new int[b.length + 1];
        for (String x : a) {
            int diag = 0;
            for (int j = 1; j <= b.length; j++) {
                int up = row[j];
                row[j] = x.equals(b[j - 1]) ? diag + 1 : Math.max(up, row[j - 1]);
                diag = up;
            }
        }
        return row[b.length];
    }

    /** Σ over distinct tokens w of min(count in prediction, count in reference). */
    public static int unigramOverlap(String[] prediction, String[] reference) {
        Map<String, int[]> remaining = new HashMap<>(reference.length * 2);
        for (String t : reference) {
            remaining.computeIfAbsent(t, k -> new int[1])[0]++;
        }
        int overlap = 0;
        for (String t : prediction) {
            int[] c = remaining.get(t);
            if (c != null && c[0] > 0) {
                c[0]--;
                overlap++;
            }
        }
        return overlap;
    }

    /** F = 2PR/(P+R), 0 when P+R = 0; evaluated in the reference library's order so results agree to the bit. */
    public static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    private static Score score(int overlap, int predictionLength, int referenceLength) {
        double p = (double) overlap / predictionLength;
        double r = (double) overlap / referenceLength;
        return new Score(p, r, fmeasure(p, r));
    }
}
