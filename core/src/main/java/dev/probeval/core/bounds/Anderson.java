package dev.probeval.core.bounds;

/**
 * Exact Anderson (1969) bounds on E[X] for X in [0,1] from a CDF band of half width ε: E[X] = ∫₀¹ (1 − F(t)) dt, so
 * on the event F_n − ε ≤ F ≤ F_n + ε, E[X] ≤ 1 − ∫ max(F_n − ε, 0) and E[X] ≥ 1 − ∫ min(F_n + ε, 1) (paper-spec §1.4).
 * Integrates the empirical step function exactly over the distinct values, so it is never looser than the grid rule.
 */
final class Anderson {
    private Anderson() {}

    /** {lower, upper} for E[X] given the band half width e. */
    static double[] bounds(ScoreAccumulator acc, double e) {
        long n = Validation.n(acc.n());
        double[] v = acc.valuesView();
        long[] c = acc.countsView();
        int m = acc.distinctValues();
        // On [0, v_0) F_n = 0; on [v_i, v_{i+1}) F_n = C_i/n; the last interval ends at 1.
        double upperIntegral = 0.0;
        double lowerIntegral = Math.min(e, 1.0) * v[0];
        long cum = 0;
        for (int i = 0; i < m; i++) {
            cum += c[i];
            double next = i + 1 < m ? v[i + 1] : 1.0;
            double width = next - v[i];
            double f = (double) cum / n;
            upperIntegral += Math.max(f - e, 0.0) * width;
            lowerIntegral += Math.min(f + e, 1.0) * width;
        }
        return new double[] {Math.max(0.0, 1.0 - lowerIntegral), Math.min(1.0, 1.0 - upperIntegral)};
    }
}
