package dev.probeval.core.bounds;

/**
 * Reference-parity ports of {@code conbo/confidence_bounds.py} (yascho/conbo 0.1.0), computed from a
 * {@link ScoreAccumulator} instead of the raw array. Every routine takes the α that would be passed to conbo (a
 * two-sided level; paper-spec §1.1), not the target miscoverage.
 */
public final class Conbo {
    private Conbo() {}

    /** conbo's DKW–Massart half width ε = √(ln(2/a)/(2n)) at the passed level a. */
    public static double eps(long n, double a) {
        return Math.sqrt(Math.log(2.0 / a) / (2.0 * n));
    }

    /** {@code binomial_bounds}: two-sided Clopper–Pearson at level a, as {lower, upper}. */
    public static double[] binomialBounds(long k, long n, double a) {
        return ClopperPearson.interval(k, n, a / 2, a / 2);
    }

    /** {@code survival_bounds(x, t, a)}: {1−F_n(t), 1−min(F_n(t)+ε,1), 1−max(F_n(t)−ε,0)}. */
    public static double[] survivalBounds(ScoreAccumulator acc, double t, double a) {
        long n = Validation.n(acc.n());
        double f = (double) acc.countAtMost(t) / n;
        double e = eps(n, a);
        return new double[] {1.0 - f, 1.0 - Math.min(f + e, 1.0), 1.0 - Math.max(f - e, 0.0)};
    }

    /** {@code expectation_bounds(x, a)} on the 100-point grid: {mean, lower (right rule), upper (left rule)}. */
    public static double[] expectationBounds(ScoreAccumulator acc, double a) {
        return expectationBoundsWithEps(acc, eps(Validation.n(acc.n()), a));
    }

    /** The grid rules of {@link #expectationBounds} for a CDF band of half width {@code e}. */
    static double[] expectationBoundsWithEps(ScoreAccumulator acc, double e) {
        long n = Validation.n(acc.n());
        long[] c = acc.cumulativeGridCounts();
        double upperSum = 0.0;
        double lowerSum = 0.0;
        for (int j = 0; j < Grid.SIZE - 1; j++) {
            double fl = Math.max((double) c[j] / n - e, 0.0);
            double fu = Math.min((double) c[j + 1] / n + e, 1.0);
            upperSum += fl * Grid.H[j];
            lowerSum += fu * Grid.H[j];
        }
        return new double[] {acc.mean(), 1.0 - lowerSum, 1.0 - upperSum};
    }

    /**
     * {@code variance_bounds(x, a)}: {sample variance, lower, upper}, Schuchardt et al. (ICLR 2023) as conbo implements
     * it. With {@code fixAtomZero} the {@code −η⁺_0·F_lower(0)} term is dropped, which closes the first bin at 0 and
     * makes the upper bound valid when P(X = 0) > 0 (paper-spec §1.5).
     */
    public static double[] varianceBounds(ScoreAccumulator acc, double a, boolean fixAtomZero) {
        double[] mu = expectationBounds(acc, a);
        return varianceBounds(acc, a, mu[1], mu[2], fixAtomZero);
    }

    /** The variance bounds given an interval [muLow, muHigh] for the mean that holds on the same band event. */
    static double[] varianceBounds(ScoreAccumulator acc, double a, double muLow, double muHigh, boolean fixAtomZero) {
        return varianceBoundsWithEps(acc, eps(Validation.n(acc.n()), a), muLow, muHigh, fixAtomZero);
    }

    /** Variance bounds for a CDF band of half width {@code e} at the grid points. */
    static double[] varianceBoundsWithEps(
            ScoreAccumulator acc, double e, double muLow, double muHigh, boolean fixAtomZero) {
        long n = Validation.n(acc.n());
        long[] c = acc.cumulativeGridCounts();
        int bins = Grid.SIZE - 1;
        double[] etaMax = new double[bins];
        double[] etaMin = new double[bins];
        for (int j = 0; j < bins; j++) {
            double t1 = Grid.T[j];
            double t2 = Grid.T[j + 1];
            double c1 = (t1 - muLow) * (t1 - muLow);
            double c2 = (t1 - muHigh) * (t1 - muHigh);
            double c3 = (t2 - muLow) * (t2 - muLow);
            double c4 = (t2 - muHigh) * (t2 - muHigh);
            etaMax[j] = Math.max(Math.max(c1, c2), Math.max(c3, c4));
            etaMin[j] = Math.min(Math.min(c1, c2), Math.min(c3, c4));
        }
        double f0 = (double) c[0] / n;
        double vu = 0.0;
        double vl = 0.0;
        for (int j = 1; j < bins; j++) {
            double f = (double) c[j] / n;
            double d = etaMax[j - 1] - etaMax[j];
            vu += (f + (d > 0 ? 1 : -1) * e) * d;
            double dm = etaMin[j - 1] - etaMin[j];
            vl += (f - (dm > 0 ? 1 : -1) * e) * dm;
        }
        vu += etaMax[bins - 1];
        if (!fixAtomZero) {
            vu -= etaMax[0] * Math.max(f0 - e, 0.0);
        }
        vl += etaMin[bins - 1] - etaMin[0] * Math.min(f0 + e, 1.0);
        vl = Math.max(vl, 0.0);
        return new double[] {acc.variance(), vl, vu};
    }

    /** {@code std_bounds(x, a)}: square roots of {@link #varianceBounds}. */
    public static double[] stdBounds(ScoreAccumulator acc, double a, boolean fixAtomZero) {
        double[] v = varianceBounds(acc, a, fixAtomZero);
        return new double[] {Math.sqrt(v[0]), Math.sqrt(v[1]), Math.sqrt(v[2])};
    }
}
