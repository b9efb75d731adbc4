package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded Monte Carlo checks of the guarantees: SOUND bounds cover with probability ≥ 1−α at a fixed n; ANYTIME
 * bounds are never violated at any n ≤ 4096 in ≥ 1−α of streams, while a fixed-n bound recomputed after every
 * sample is violated in many more.
 */
class CoverageMonteCarloTest {
    private static final double ALPHA = 0.05;

    /** A score distribution with known mean, std, P(X > 0.5) and P(X ≥ 0.5). */
    record Dist(
            String name, Function<Random, Double> draw, double mean, double std, double survHalf, double atLeastHalf) {}

    private static double beta52(Random r) {
        // Beta(5,2) as the 5th order statistic of 6 uniforms.
        double[] u = new double[6];
        for (int i = 0; i < 6; i++) {
            u[i] = r.nextDouble();
        }
        java.util.Arrays.sort(u);
        return u[4];
    }

    static List<Dist> distributions() {
        // Beta(5,2): mean 5/7, var 10/392; P(X > 0.5) = 1 - I_{0.5}(5,2) = 57/64.
        double bMean = 5.0 / 7;
        double bVar = 10.0 / 392;
        double bSurv = 57.0 / 64;
        double mixMean = 0.3 * bMean;
        double mixSecond = 0.3 * (bVar + bMean * bMean);
        double am = 0.2 + 0.3 * 0.5;
        double aSecond = 0.2 + 0.3 * (1.0 / 3);
        return List.of(
                new Dist("bernoulli(0.3)", r -> r.nextDouble() < 0.3 ? 1.0 : 0.0, 0.3, Math.sqrt(0.21), 0.3, 0.3),
                new Dist(
                        "0.7*atom0 + 0.3*beta(5,2)",
                        r -> r.nextDouble() < 0.7 ? 0.0 : beta52(r),
                        mixMean,
                        Math.sqrt(mixSecond - mixMean * mixMean),
                        0.3 * bSurv,
                        0.3 * bSurv),
                new Dist(
                        "0.5*atom0 + 0.2*atom1 + 0.3*uniform",
                        r -> {
                            double u = r.nextDouble();
                            return u < 0.5 ? 0.0 : u < 0.7 ? 1.0 : r.nextDouble();
                        },
                        am,
                        Math.sqrt(aSecond - am * am),
                        0.2 + 0.15,
                        0.2 + 0.15));
    }

    @Test
    void shouldCoverAtLeastOneMinusAlphaInSoundMode() {
        int trials = 2000;
        int n = 100;
        // Binomial tolerance: 3 standard errors above alpha.
        double limit = ALPHA + 3 * Math.sqrt(ALPHA * (1 - ALPHA) / trials);
        BoundConfig cfg = BoundConfig.defaults().withAlpha(ALPHA).withThresholds(List.of(0.5));
        for (Dist d : distributions()) {
            Random rnd = new Random(d.name().hashCode());
            int[] miss = new int[5];
            for (int t = 0; t < trials; t++) {
                ScoreAccumulator acc = new ScoreAccumulator();
                for (int i = 0; i < n; i++) {
                    acc.add(d.draw().apply(rnd));
                }
                BoundReport r = Bounds.compute(acc, cfg);
                miss[0] += r.mMu() < d.mean() ? 1 : 0;
                miss[1] += r.mSigma() < d.std() ? 1 : 0;
                miss[2] += r.mGen().get(0.5) < d.survHalf() ? 1 : 0;
                miss[3] += r.mBin() < d.atLeastHalf() ? 1 : 0;
                miss[4] += r.mEd() < d.mean() + d.std() ? 1 : 0;
            }
            String[] names = {"M_mu", "M_sigma", "M_gen(0.5)", "M_bin", "M_ED"};
            for (int m = 0; m < names.length; m++) {
                double rate = (double) miss[m] / trials;
                assertTrue(rate <= limit, d.name() + " " + names[m] + " miss rate " + rate + " > " + limit);
            }
        }
    }

    @Test
    void shouldShowConboVarianceBoundFailsWithAtomAtZeroWhileSoundHolds() {
        // paper-spec §1.5: Bernoulli(0.3), n = 4096 — conbo's M_sigma misses the true sigma in most runs.
        int trials = 40;
        int conboMiss = 0;
        int soundMiss = 0;
        Random rnd = new Random(5);
        for (int t = 0; t < trials; t++) {
            ScoreAccumulator acc = new ScoreAccumulator();
            for (int i = 0; i < 4096; i++) {
                acc.add(rnd.nextDouble() < 0.3 ? 1.0 : 0.0);
            }
            double sigma = Math.sqrt(0.21);
            conboMiss += Bounds.compute(acc, BoundConfig.defaults().withMode(BoundMode.CONBO))
                                    .mSigma()
                            < sigma
                    ? 1
                    : 0;
            soundMiss += Bounds.compute(acc, BoundConfig.defaults()).mSigma() < sigma ? 1 : 0;
        }
        assertTrue(conboMiss > trials / 2, "conbo misses in most runs, got " + conboMiss);
        assertTrue(soundMiss == 0, "sound never misses here, got " + soundMiss);
    }

    @Test
    void shouldNeverBeViolatedAtAnyNInMoreThanAlphaOfStreamsInAnytimeMode() {
        int streams = 400;
        int horizon = 4096;
        double limit = ALPHA + 3 * Math.sqrt(ALPHA * (1 - ALPHA) / streams);
        Dist d = distributions().get(2);
        double pLeak = d.atLeastHalf();
        int everMean = 0;
        int everBin = 0;
        int everGen = 0;
        double threshold = Math.log(1 / ALPHA);
        double r = AnytimeBounds.PRIOR_CONCENTRATION_PER_DESIGN_N * AnytimeBounds.DEFAULT_DESIGN_N;
        Random rnd = new Random(99);
        for (int s = 0; s < streams; s++) {
            long k = 0;
            long above = 0;
            double sum = 0;
            boolean vm = false;
            boolean vb = false;
            boolean vg = false;
            for (int n = 1; n <= horizon; n++) {
                double x = d.draw().apply(rnd);
                sum += x;
                k += x >= 0.5 ? 1 : 0;
                above += x > 0.5 ? 1 : 0;
                // The same formulas Bounds uses in ANYTIME mode, evaluated in O(1) per sample.
                vm |= sum / n + AnytimeBounds.meanRadius(n, ALPHA, AnytimeBounds.DEFAULT_DESIGN_N) / n < d.mean();
                vb |= (double) k / n < pLeak && AnytimeBounds.logBetaBinomialMixture(k, n, pLeak, r, true) >= threshold;
                vg |= Math.min(1.0, (double) above / n + AnytimeBounds.dkwEps(n, ALPHA)) < d.survHalf();
            }
            everMean += vm ? 1 : 0;
            everBin += vb ? 1 : 0;
            everGen += vg ? 1 : 0;
        }
        assertTrue((double) everMean / streams <= limit, "mean CS ever violated in " + everMean + "/" + streams);
        assertTrue((double) everBin / streams <= limit, "binomial CS ever violated in " + everBin + "/" + streams);
        assertTrue((double) everGen / streams <= limit, "band ever violated in " + everGen + "/" + streams);
    }

    @Test
    void shouldAgreeWithBoundsComputeOnAnytimeFormulas() {
        Random rnd = new Random(1);
        ScoreAccumulator acc = new ScoreAccumulator();
        for (int n = 1; n <= 300; n++) {
            acc.add(rnd.nextDouble() < 0.4 ? 1.0 : 0.0);
            BoundReport r = Bounds.compute(
                    acc,
                    BoundConfig.defaults()
                            .withMode(BoundMode.ANYTIME)
                            .withAlpha(ALPHA)
                            .withLeakThreshold(0.5));
            double p = r.mBin();
            double conc = AnytimeBounds.PRIOR_CONCENTRATION_PER_DESIGN_N * AnytimeBounds.DEFAULT_DESIGN_N;
            // M_bin is the outer end of {p : ln M_n(p) < ln(1/alpha)}, and no larger p is back inside.
            assertTrue(p == 1.0
                    || AnytimeBounds.logBetaBinomialMixture(r.k(), n, p, conc, true) >= Math.log(1 / ALPHA) - 1e-9);
            for (int i = 1; i <= 50 && p < 1.0; i++) {
                double q = p + (1.0 - p) * i / 51.0;
                assertTrue(
                        AnytimeBounds.logBetaBinomialMixture(r.k(), n, q, conc, true) >= Math.log(1 / ALPHA) - 1e-9,
                        "upper CS is an interval: p = " + q + " after " + r.k() + " of " + n);
            }
            assertTrue(Math.abs(r.mMu()
                            - Math.min(
                                    1.0,
                                    acc.mean()
                                            + AnytimeBounds.meanRadius(n, ALPHA, AnytimeBounds.DEFAULT_DESIGN_N) / n))
                    < 1e-12);
        }
    }

    @Test
    void shouldBeViolatedFarMoreOftenWhenAFixedNBoundIsRecomputedAfterEverySample() {
        int streams = 400;
        int horizon = 4096;
        Random rnd = new Random(2024);
        int everFixed = 0;
        int everAnytime = 0;
        DoubleSupplier coin = () -> rnd.nextDouble() < 0.5 ? 1.0 : 0.0;
        for (int s = 0; s < streams; s++) {
            double sum = 0;
            boolean vf = false;
            boolean va = false;
            for (int n = 1; n <= horizon; n++) {
                sum += coin.getAsDouble();
                double mean = sum / n;
                // SOUND's M_mu on Bernoulli scores is the exact Anderson bound: mean + eps here (checked below).
                vf |= mean + Math.sqrt(Math.log(1 / ALPHA) / (2.0 * n)) < 0.5;
                va |= mean + AnytimeBounds.meanRadius(n, ALPHA, AnytimeBounds.DEFAULT_DESIGN_N) / n < 0.5;
            }
            everFixed += vf ? 1 : 0;
            everAnytime += va ? 1 : 0;
        }
        // Significantly above alpha (3 standard errors), and several times the anytime rate.
        double limit = ALPHA * streams + 3 * Math.sqrt(ALPHA * (1 - ALPHA) * streams);
        assertTrue(everFixed > limit, "fixed-n recomputed: violated in " + everFixed + ", limit " + limit);
        assertTrue(everFixed > 4 * Math.max(1, everAnytime), "fixed " + everFixed + " vs anytime " + everAnytime);
        ScoreAccumulator check = ConboParityTest.leaks(40, 100);
        double e = Math.sqrt(Math.log(1 / ALPHA) / 200.0);
        assertTrue(Math.abs(Bounds.compute(check, BoundConfig.defaults().withAlpha(ALPHA))
                                .mMu()
                        - (0.4 + e))
                < 1e-12);
    }
}
