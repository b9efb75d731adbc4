package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hipparchus.special.Beta;
import org.junit.jupiter.api.Test;

class ClopperPearsonTest {

    @Test
    void shouldSolveTheDefiningBetaEquationsOverAWideRange() {
        // Upper U: 1 − I_U(k+1, n−k) = q; lower L: I_L(k, n−k+1) = q, checked with Hipparchus' incomplete beta.
        for (long n : new long[] {1, 2, 7, 64, 1000, 4096, 100_000}) {
            for (double q : new double[] {0.25, 0.01, 1e-6}) {
                for (long k = 0; k <= n; k += Math.max(1, n / 23)) {
                    double u = ClopperPearson.upper(k, n, q);
                    double l = ClopperPearson.lower(k, n, q);
                    String at = "k=" + k + " n=" + n + " q=" + q;
                    assertTrue(l < (double) k / n + 1e-15 || k == 0, at + " lower below k/n");
                    assertTrue(u > (double) k / n - 1e-15, at + " upper above k/n");
                    if (k < n) {
                        double tail = Beta.regularizedBeta(1.0 - u, n - k, k + 1.0, 1e-15, 10_000);
                        assertEquals(q, tail, 1e-9 * q, at + " upper tail");
                    }
                    if (k > 0) {
                        double tail = Beta.regularizedBeta(l, k, n - k + 1.0, 1e-15, 10_000);
                        assertEquals(q, tail, 1e-9 * q, at + " lower tail");
                    }
                }
            }
        }
    }

    @Test
    void shouldMatchClosedFormsAndSymmetry() {
        for (long n : new long[] {1, 10, 1024}) {
            assertEquals(1 - Math.pow(0.01, 1.0 / n), ClopperPearson.upper(0, n, 0.01), 1e-15);
            assertEquals(Math.pow(0.01, 1.0 / n), ClopperPearson.lower(n, n, 0.01), 1e-14);
            for (long k = 0; k <= n; k += Math.max(1, n / 7)) {
                assertEquals(
                        1 - ClopperPearson.upper(n - k, n, 0.05),
                        ClopperPearson.lower(k, n, 0.05),
                        1e-13,
                        "lower(k) = 1 - upper(n-k), k=" + k + " n=" + n);
            }
        }
    }
}
