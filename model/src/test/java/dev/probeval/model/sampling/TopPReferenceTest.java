package dev.probeval.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Top-p that sorts only the tokens above (1 − p)/m against the textbook form that sorts every survivor: the same
 * kept set on peaked, flat and tied distributions.
 */
class TopPReferenceTest {
    /** The kept set by sorting every survivor ascending and removing the longest prefix of mass <= 1 - p. */
    static boolean[] keptByFullSort(double[] p, double topP) {
        int n = p.length;
        double[] sorted = Arrays.stream(p).filter(v -> v > 0).sorted().toArray();
        int m = sorted.length;
        int removed = 0;
        double cum = 0;
        for (int j = 0; j < m - 1; j++) {
            cum += sorted[j];
            if (cum <= 1.0 - topP) {
                removed++;
            } else {
                break;
            }
        }
        boolean[] keep = new boolean[n];
        for (int i = 0; i < n; i++) {
            keep[i] = p[i] > 0;
        }
        if (removed > 0) {
            double tau = sorted[removed - 1];
            int below = 0;
            for (int j = 0; j < removed; j++) {
                below += sorted[j] < tau ? 1 : 0;
            }
            int ties = removed - below;
            for (int i = 0; i < n; i++) {
                if (p[i] > 0 && p[i] < tau) {
                    keep[i] = false;
                }
            }
            for (int i = n - 1; i >= 0 && ties > 0; i--) {
                if (p[i] == tau) {
                    keep[i] = false;
                    ties--;
                }
            }
        }
        return keep;
    }

    @Test
    void keptSetShouldEqualTheFullSortOnRandomDistributions() {
        SplittableRandom rnd = new SplittableRandom(42);
        int checked = 0;
        for (int trial = 0; trial < 3000; trial++) {
            int n = 2 + rnd.nextInt(600);
            float[] logits = new float[n];
            double spread = rnd.nextDouble() * 12;
            for (int i = 0; i < n; i++) {
                // Coarse logits create exact ties now and then.
                logits[i] = trial % 3 == 0 ? (float) rnd.nextInt(4) : (float) (rnd.nextGaussian() * spread);
            }
            double topP = new double[] {0.1, 0.5, 0.9, 0.95, 0.99}[trial % 5];
            double[] full = TokenDistributions.processed(logits, 0, n, 1.0, 0, 1.0);
            double[] got = TokenDistributions.processed(logits, 0, n, 1.0, 0, topP);
            boolean[] expected = keptByFullSort(full, topP);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], got[i] > 0, "trial " + trial + " token " + i);
            }
            checked++;
        }
        assertEquals(3000, checked);
    }
}
