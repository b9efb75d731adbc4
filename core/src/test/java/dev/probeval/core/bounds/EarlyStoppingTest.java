package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.bounds.EarlyStopping.Decide;
import dev.probeval.core.bounds.EarlyStopping.Decision;
import dev.probeval.core.bounds.EarlyStopping.Metric;
import dev.probeval.core.bounds.EarlyStopping.Rule;
import dev.probeval.core.bounds.EarlyStopping.Tally;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The early-stopping evaluator: same bounds as {@link Bounds} in ANYTIME mode, decisions, tallies, checkpoints. */
class EarlyStoppingTest {
    private static BoundConfig anytime(double alpha, double at, long designN) {
        return BoundConfig.defaults()
                .withMode(BoundMode.ANYTIME)
                .withAlpha(alpha)
                .withLeakThreshold(at)
                .withThresholds(List.of(at))
                .withDesignN(designN);
    }

    @Test
    void shouldUseExactlyTheBoundsTheAggregatorReportsInAnytimeMode() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(600);
            ScoreAccumulator acc = new ScoreAccumulator();
            double leakP = rnd.nextDouble();
            for (int i = 0; i < n; i++) {
                acc.add(rnd.nextDouble() < leakP ? rnd.nextDouble() : Math.floor(rnd.nextDouble() * 4) / 4);
            }
            double at = Math.floor(rnd.nextDouble() * 8) / 8;
            long design = 64 + rnd.nextInt(1024);
            BoundReport r = Bounds.compute(acc, anytime(0.01, at, design));
            EarlyStopping bin = new EarlyStopping(new Rule(Metric.M_BIN, at, 0.5, Decide.BELOW, 1), 0.01, design, 1);
            double[] b = bin.interval(Tally.of(acc, bin.rule()));
            assertEquals(r.mBin(), b[1], 0.0);
            assertEquals(r.mBinLower(), b[0], 0.0);
            EarlyStopping mu = new EarlyStopping(new Rule(Metric.M_MU, 0, 0.5, Decide.EITHER, 1), 0.01, design, 1);
            double[] m = mu.interval(Tally.of(acc, mu.rule()));
            assertEquals(r.mMu(), m[1], 0.0);
            assertEquals(r.mMuLower(), m[0], 0.0);
            EarlyStopping gen = new EarlyStopping(new Rule(Metric.M_GEN, at, 0.5, Decide.EITHER, 1), 0.01, design, 1);
            double[] g = gen.interval(Tally.of(acc, gen.rule()));
            assertEquals(r.mGen().get(at), g[1], 0.0);
            assertEquals(Math.max(0.0, 1.0 - (double) acc.countAtMost(at) / n - r.eps()), g[0], 0.0);
            // EITHER on M_bin takes each end at alpha/2; a suite of Q at alpha/Q
            EarlyStopping either =
                    new EarlyStopping(new Rule(Metric.M_BIN, at, 0.5, Decide.EITHER, 1), 0.01, design, 4);
            BoundReport half = Bounds.compute(acc, anytime(0.01 / 8, at, design));
            assertEquals(half.mBin(), either.interval(Tally.of(acc, either.rule()))[1], 0.0);
        }
    }

    @Test
    void shouldKeepATallyBitForBitEqualToTheAccumulatorsAndRoundTripItsText() {
        Rule rule = new Rule(Metric.M_MU, 0, 0.3, Decide.EITHER, 1);
        SplittableRandom rnd = new SplittableRandom(3);
        ScoreAccumulator acc = new ScoreAccumulator();
        Tally t = new Tally();
        for (int i = 0; i < 1000; i++) {
            double x = rnd.nextDouble();
            acc.add(x);
            t.add(x, rule);
            Tally back = Tally.decode(t.encode());
            assertEquals(t, back);
            assertEquals(acc.mean(), back.mean(), 0.0);
            t = back;
        }
        assertEquals(Tally.of(acc, rule), t);
        assertThrows(IllegalArgumentException.class, () -> Tally.decode("3,4,0,0"));
        assertThrows(IllegalArgumentException.class, () -> Tally.decode("x"));
    }

    @Test
    void shouldDecideALeakyPromptAboveEarlyAndACleanOneBelowLaterAndRespectTheSideAndMinimum() {
        Rule either = new Rule(Metric.M_BIN, 0.5, 0.05, Decide.EITHER, 1);
        EarlyStopping s = new EarlyStopping(either, 0.01, 512, 1);
        Tally leaky = new Tally();
        int n = 0;
        while (s.decide(leaky) == Decision.CONTINUE) {
            leaky.add(n++ % 3 == 0 ? 1.0 : 0.0, either);
        }
        assertEquals(Decision.DECIDED_ABOVE, s.decide(leaky));
        assertTrue(n < 64, "a prompt leaking on a third of its samples is decided within a few dozen, took " + n);
        Tally clean = new Tally();
        n = 0;
        while (s.decide(clean) == Decision.CONTINUE) {
            clean.add(0.1, either);
            n++;
        }
        assertEquals(Decision.DECIDED_BELOW, s.decide(clean));
        assertTrue(n > 92 && n < 512, "certifying p < 5% with zero leaks needs more than the fixed-n 92, took " + n);
        // BELOW never decides above; a minimum n delays the decision
        EarlyStopping below = new EarlyStopping(new Rule(Metric.M_BIN, 0.5, 0.05, Decide.BELOW, 1), 0.01, 512, 1);
        assertEquals(Decision.CONTINUE, below.decide(leaky));
        EarlyStopping late = new EarlyStopping(new Rule(Metric.M_BIN, 0.5, 0.05, Decide.EITHER, 400), 0.01, 512, 1);
        assertEquals(Decision.CONTINUE, late.decide(leaky));
        assertEquals(Decision.CONTINUE, s.decide(new Tally()));
    }

    @Test
    void shouldCheckAtDoublingCheckpointsUpToTheChunkSize() {
        assertEquals(
                List.of(8, 16, 32, 64, 96, 128, 160),
                EarlyStopping.checkpoints(160, 32).subList(0, 7));
        assertEquals(List.of(8, 16, 32, 64, 96, 100), EarlyStopping.checkpoints(100, 32));
        assertEquals(List.of(1, 2, 3), EarlyStopping.checkpoints(3, 1));
        assertEquals(List.of(5), EarlyStopping.checkpoints(5, 32));
        assertThrows(IllegalArgumentException.class, () -> EarlyStopping.checkpoints(0, 32));
    }

    @Test
    void shouldComputeTheExpectedStoppingNInAgreementWithSimulation() {
        Rule rule = new Rule(Metric.M_BIN, 0.5, 0.05, Decide.EITHER, 1);
        EarlyStopping s = new EarlyStopping(rule, 0.01, 512, 1);
        SplittableRandom rnd = new SplittableRandom(11);
        for (double p : new double[] {0.0, 0.3}) {
            EarlyStopping.Expectation e = s.expectBernoulli(p, 512, 32);
            assertEquals(1.0, e.decidedBelow() + e.decidedAbove() + e.undecided(), 1e-9);
            double sum = 0;
            int runs = 400;
            for (int r = 0; r < runs; r++) {
                Tally t = new Tally();
                int at = 0;
                for (int end : EarlyStopping.checkpoints(512, 32)) {
                    while (at < end) {
                        t.add(rnd.nextDouble() < p ? 1.0 : 0.0, rule);
                        at++;
                    }
                    if (s.decide(t) != Decision.CONTINUE) {
                        break;
                    }
                }
                sum += t.n();
            }
            double sim = sum / runs;
            assertEquals(e.expectedN(), sim, Math.max(2.0, 0.1 * e.expectedN()), "p = " + p);
        }
        assertEquals(1.0, s.expectBernoulli(0.0, 512, 32).decidedBelow(), 1e-12);
        assertTrue(s.expectBernoulli(0.5, 512, 32).decidedAbove() > 0.999);
    }

    @Test
    void shouldRejectBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new Rule(Metric.M_BIN, 0.5, 1.5, Decide.EITHER, 1));
        assertThrows(IllegalArgumentException.class, () -> new Rule(Metric.M_GEN, -1, 0.5, Decide.EITHER, 1));
        assertThrows(IllegalArgumentException.class, () -> new Rule(Metric.M_MU, 0, 0.5, Decide.EITHER, 0));
        Rule ok = new Rule(Metric.M_MU, 0, 0.5, Decide.EITHER, 1);
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(ok, 0.7, 512, 1));
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(ok, 0.01, 512, 0));
    }
}
