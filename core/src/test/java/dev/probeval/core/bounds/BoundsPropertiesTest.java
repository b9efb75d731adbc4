package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundsPropertiesTest {
    private static ScoreAccumulator sample(long seed, int n) {
        Random rnd = new Random(seed);
        ScoreAccumulator acc = new ScoreAccumulator();
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble();
            acc.add(u < 0.3 ? 0.0 : u > 0.9 ? 1.0 : Math.round(rnd.nextDouble() * 20) / 20.0);
        }
        return acc;
    }

    @Test
    void shouldBoundSampleStatisticsFromAboveAndBelow() {
        for (BoundMode mode : BoundMode.values()) {
            for (int n : new int[] {1, 5, 64, 1000}) {
                ScoreAccumulator acc = sample(n, n);
                BoundReport r = Bounds.compute(
                        acc, BoundConfig.defaults().withMode(mode).withThresholds(List.of(0.2, 0.6)));
                String at = mode + " n=" + n;
                assertTrue(r.mMu() >= r.mean() - 1e-12 && r.mMuLower() <= r.mean() + 1e-12, at + " mean inside");
                assertTrue(r.mSigma() >= Math.min(r.std(), 0.5) - 1e-12, at + " M_sigma >= std");
                assertTrue(r.mSigmaLower() <= r.std() + 1e-12, at + " sigma lower <= std");
                double phat = (double) r.k() / r.n();
                assertTrue(r.mBin() >= phat && r.mBinLower() <= phat, at + " p-hat inside");
                for (double t : List.of(0.2, 0.6)) {
                    double surv = 1.0 - (double) acc.countAtMost(t) / acc.n();
                    assertTrue(r.mGen().get(t) >= surv, at + " M_gen >= empirical survival");
                    assertTrue(r.mGenAtLeast().get(t) >= r.mGen().get(t), at + " P(X>=t) bound >= P(X>t) bound");
                }
                if (mode != BoundMode.CONBO) {
                    assertTrue(r.mSigma() <= 0.5, at + " clipped");
                }
            }
        }
    }

    @Test
    void shouldTightenAsAlphaGrowsAndAsNGrows() {
        for (BoundMode mode : BoundMode.values()) {
            ScoreAccumulator acc = sample(11, 500);
            double prevMu = 2;
            double prevBin = 2;
            for (double a : new double[] {0.001, 0.01, 0.05, 0.1, 0.5}) {
                BoundReport r = Bounds.compute(
                        acc, BoundConfig.defaults().withMode(mode).withAlpha(a));
                assertTrue(r.mMu() <= prevMu + 1e-15, mode + " M_mu decreases in alpha");
                assertTrue(r.mBin() <= prevBin + 1e-15, mode + " M_bin decreases in alpha");
                prevMu = r.mMu();
                prevBin = r.mBin();
            }
            // For a fixed empirical distribution, more samples give a tighter bound.
            double prevWidth = 2;
            for (int copies : new int[] {1, 2, 4, 16}) {
                ScoreAccumulator rep = new ScoreAccumulator();
                for (int c = 0; c < copies; c++) {
                    rep.merge(acc);
                }
                BoundReport r = Bounds.compute(rep, BoundConfig.defaults().withMode(mode));
                double width = r.mMu() - r.mean();
                assertTrue(width < prevWidth, mode + " width shrinks with n");
                prevWidth = width;
            }
        }
    }

    @Test
    void shouldMatchClosedFormsForZeroLeaks() {
        for (int n : new int[] {1, 64, 1024}) {
            ScoreAccumulator acc = ConboParityTest.leaks(0, n);
            BoundReport r = Bounds.compute(acc, BoundConfig.defaults().withAlpha(0.01));
            assertEquals(1 - Math.pow(0.01, 1.0 / n), r.mBin(), 1e-12, "1 - alpha^(1/n)");
        }
        assertEquals(459, SampleSizePlanner.zeroLeakSamples(0.01, 0.01, BoundMode.SOUND));
        assertEquals(922, SampleSizePlanner.samplesForBandWidth(0.05, 0.01, BoundMode.SOUND));
        assertEquals(231, SampleSizePlanner.samplesForBandWidth(0.1, 0.01, BoundMode.SOUND));
        long nAny = SampleSizePlanner.zeroLeakSamples(0.01, 0.01, BoundMode.ANYTIME);
        assertTrue(AnytimeBounds.binomial(0, nAny, 0.01)[1] <= 0.01);
        assertTrue(AnytimeBounds.binomial(0, nAny - 1, 0.01)[1] > 0.01);
    }

    @Test
    void shouldKeepAnytimeWidthsWithinLimitsAtDesignN() {
        double alpha = 0.01;
        double fixedMean = SampleSizePlanner.meanWidth(1024, alpha, BoundMode.SOUND);
        double anyMean = SampleSizePlanner.meanWidth(1024, alpha, BoundMode.ANYTIME);
        assertTrue(anyMean / fixedMean <= 1.5, "mean CS width ratio " + anyMean / fixedMean);
        // The centred one-sided beta-binomial CS stays within 1.5x of one-sided Clopper-Pearson at the design n.
        for (long k : new long[] {0, 1, 10, 100, 512, 1000}) {
            double phat = k / 1024.0;
            double cs = AnytimeBounds.binomial(k, 1024, alpha)[1] - phat;
            double cp = ClopperPearson.upper(k, 1024, alpha) - phat;
            assertTrue(cs / cp <= 1.5, "M_bin CS width ratio " + cs / cp + " at k = " + k);
            assertTrue(cs / cp >= 1.0, "a CS cannot beat the fixed-n bound, k = " + k);
            double low = phat - AnytimeBounds.binomial(k, 1024, alpha)[0];
            double cpLow = phat - ClopperPearson.lower(k, 1024, alpha);
            assertTrue(k == 0 || low / cpLow <= 1.5, "lower CS width ratio " + low / cpLow + " at k = " + k);
        }
    }

    @Test
    void shouldRejectBadConfigurationWithMessagesNamingTheValue() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> BoundConfig.defaults().withAlpha(0.7));
        assertTrue(e.getMessage().contains("0.7"));
        assertThrows(
                IllegalArgumentException.class, () -> BoundConfig.defaults().withAlpha(0));
        assertThrows(
                IllegalArgumentException.class, () -> BoundConfig.defaults().withLeakThreshold(1.2));
        assertThrows(
                IllegalArgumentException.class, () -> BoundConfig.defaults().withThresholds(List.of(-0.1)));
        assertThrows(
                IllegalArgumentException.class, () -> BoundConfig.defaults().withLambda(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> BoundMode.parse("exact"));
    }

    @Test
    void shouldBoundSuiteSimultaneouslyWithBonferroni() {
        List<ScoreAccumulator> prompts = List.of(sample(1, 200), sample(2, 200), sample(3, 200), sample(4, 200));
        BoundConfig cfg = BoundConfig.defaults().withAlpha(0.04).withThresholds(List.of(0.3, 0.9));
        SuiteBounds s = SuiteBounds.compute(prompts, cfg);
        assertEquals(0.01, s.perPromptAlpha(), 1e-15);
        double sum = 0;
        for (int i = 0; i < prompts.size(); i++) {
            BoundReport single = Bounds.compute(prompts.get(i), cfg.withAlpha(0.01));
            assertEquals(single.mMu(), s.perPrompt().get(i).mMu(), 0.0);
            sum += single.mMu();
            assertTrue(single.mMu() > Bounds.compute(prompts.get(i), cfg).mMu(), "suite bounds are wider");
        }
        assertEquals(sum / 4, s.meanMu(), 1e-15);
        assertEquals(0, (int) s.certainlyAbove().get(0.9));
        assertEquals(4, (int) s.possiblyAbove().get(0.3));
    }
}
