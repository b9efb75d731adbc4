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

  /** Length of the longest common subsequence, by dynamic programming over one rolling row. */
  public static int lcsLength(String[] a, String[] b) {
    if (a.length < b.length) {
      String[] t = a;
      a = b;
      b = t;
    }
    int m = b.length;
    int[] row = new int[m + 1];
    for (String x : a) {
      int diag = 0; // row[j-1] of the previous row
      int h = x.hashCode();
      for (int j = 1; j <= m; j++) {
        int up = row[j];
        String y = b[j - 1];
        if (y.hashCode() == h && y.equals(x)) {
          row[j] = diag + 1;
        } else if (row[j - 1] > up) {
          row[j] = row[j - 1];
        }
        diag = up;
      }
    }
    return row[m];
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
