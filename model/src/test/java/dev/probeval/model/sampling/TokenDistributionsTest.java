package dev.probeval.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TokenDistributionsTest {
    static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    static boolean[] support(double[] p) {
        boolean[] s = new boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            s[i] = p[i] > 0;
        }
        return s;
    }

    @Test
    void topKShouldKeepTheKMostLikelyTokensAndRenormalise() {
        double[] p = TokenDistributions.processed(logitsOf(0.1, 0.4, 0.2, 0.3), 0, 4, 1.0, 2, 1.0);
        assertArrayEquals(new boolean[] {false, true, false, true}, support(p));
        assertEquals(0.4 / 0.7, p[1], 1e-6);
        assertEquals(0.3 / 0.7, p[3], 1e-6);
    }

    @Test
    void topKShouldKeepTiesAtTheKthValueLikeHuggingFace() {
        double[] p = TokenDistributions.processed(logitsOf(0.3, 0.2, 0.2, 0.3), 0, 4, 1.0, 3, 1.0);
        assertArrayEquals(new boolean[] {true, true, true, true}, support(p));
    }

    @Test
    void topPShouldKeepTheSmallestTopSetWhoseMassReachesP() {
        float[] l = logitsOf(0.05, 0.5, 0.15, 0.3);
        // 0.5 < 0.6 so {0.5, 0.3} is needed; 0.8 >= 0.6.
        assertArrayEquals(
                new boolean[] {false, true, false, true}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 0.6)));
        // p = 0.81 needs the third token as well (0.8 < 0.81).
        assertArrayEquals(
                new boolean[] {false, true, true, true}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 0.81)));
        // p small: only the top token, always kept.
        assertArrayEquals(
                new boolean[] {false, true, false, false}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 0.01)));
        // p = 1 keeps everything.
        assertArrayEquals(
                new boolean[] {true, true, true, true}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 1.0)));
        double[] q = TokenDistributions.processed(l, 0, 4, 1, 0, 0.6);
        assertEquals(0.5 / 0.8, q[1], 1e-6);
    }

    @Test
    void topPShouldApplyAfterTopKOnTheRenormalisedMass() {
        // After top-k = 2: {0.5, 0.3} renormalised to {0.625, 0.375}; p = 0.6 then keeps only the top token.
        double[] q = TokenDistributions.processed(logitsOf(0.05, 0.5, 0.15, 0.3), 0, 4, 1, 2, 0.6);
        assertArrayEquals(new boolean[] {false, true, false, false}, support(q));
        assertEquals(1.0, q[1], 1e-12);
    }

    @Test
    void temperatureShouldSharpenOrFlattenBeforeTruncation() {
        float[] l = logitsOf(0.2, 0.8);
        double[] cold = TokenDistributions.processed(l, 0, 2, 0.5, 0, 1);
        assertEquals(0.64 / (0.64 + 0.04), cold[1], 1e-6);
        double[] hot = TokenDistributions.processed(l, 0, 2, 2.0, 0, 1);
        assertEquals(Math.sqrt(0.8) / (Math.sqrt(0.8) + Math.sqrt(0.2)), hot[1], 1e-6);
    }

    @Test
    void inverseCdfDrawShouldWalkTheIndicesInOrder() {
        double[] p = {0.25, 0, 0.5, 0.25};
        assertEquals(0, TokenDistributions.draw(p, 0.0));
        assertEquals(0, TokenDistributions.draw(p, 0.2499));
        assertEquals(2, TokenDistributions.draw(p, 0.25));
        assertEquals(3, TokenDistributions.draw(p, 0.9999999));
    }

    @Test
    void offsetShouldSelectTheRowInsideABatchBuffer() {
        float[] two = {0f, 0f, 5f, 1f};
        assertEquals(0, TokenDistributions.argmax(two, 2, 2));
        assertEquals(Math.log(Math.exp(5) + Math.exp(1)), TokenDistributions.logSumExp(two, 2, 2), 1e-5);
    }

    @Test
    void topPTiesShouldBeBrokenTowardsTheLowerIndex() {
        // Four equal tokens of 0.25: p = 0.5 keeps exactly two of them, the two lowest indices.
        float[] l = {0f, 0f, 0f, 0f};
        assertArrayEquals(
                new boolean[] {true, true, false, false}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 0.5)));
        assertArrayEquals(
                new boolean[] {true, false, false, false}, support(TokenDistributions.processed(l, 0, 4, 1, 0, 0.2)));
    }

    @Test
    void topPShouldAgreeWithADirectSortOnRandomDistributions() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rng.nextInt(40);
            float[] l = new float[n];
            for (int i = 0; i < n; i++) {
                l[i] = (float) (rng.nextGaussian() * 2);
            }
            double topP = 0.05 + 0.9 * rng.nextDouble();
            double[] q = TokenDistributions.processed(l, 0, n, 1.0, 0, topP);
            // Reference: the smallest top set (by logit) whose mass reaches p.
            double[] full = TokenDistributions.processed(l, 0, n, 1.0, 0, 1.0);
            Integer[] byDesc = new Integer[n];
            for (int i = 0; i < n; i++) {
                byDesc[i] = i;
            }
            java.util.Arrays.sort(byDesc, (a, b) -> Double.compare(full[b], full[a]));
            double mass = 0;
            java.util.Set<Integer> keep = new java.util.HashSet<>();
            for (int i : byDesc) {
                keep.add(i);
                mass += full[i];
                if (mass >= topP) {
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                assertEquals(keep.contains(i), q[i] > 0, "trial " + trial + " token " + i);
            }
        }
    }
}
