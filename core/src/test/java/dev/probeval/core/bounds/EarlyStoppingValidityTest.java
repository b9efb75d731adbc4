package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.bounds.EarlyStopping.Decide;
import dev.probeval.core.bounds.EarlyStopping.Decision;
import dev.probeval.core.bounds.EarlyStopping.Metric;
import dev.probeval.core.bounds.EarlyStopping.Rule;
import dev.probeval.core.bounds.EarlyStopping.Tally;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Validity of data-dependent stopping by simulation (seeded): many streams with a known true value near and away
 * from the threshold, checked after every sample (the most aggressive schedule); the rate of wrong decisions
 * (certified below while the truth is ≥ t, certified above while it is ≤ t) must stay ≤ α. A control shows the test
 * has teeth: the fixed-n Clopper–Pearson bound checked the same way exceeds α.
 */
class EarlyStoppingValidityTest {
    private static final double ALPHA = 0.05;
    private static final int CAP = 512;
    private static final int STREAMS = 2000;

    /** Decisions of a count-based rule depend on (n, count) only: memoized, so the simulation stays fast. */
    private static final class Memo {
        private final byte[][] d = new byte[CAP + 1][];
        private final java.util.function.BiFunction<Integer, Integer, Decision> f;

        Memo(java.util.function.BiFunction<Integer, Integer, Decision> f) {
            this.f = f;
        }

        Decision get(int n, int k) {
            if (d[n] == null) {
                d[n] = new byte[n + 1];
            }
            if (d[n][k] == 0) {
                d[n][k] = (byte) (f.apply(n, k).ordinal() + 1);
            }
            return Decision.values()[d[n][k] - 1];
        }
    }

    private static boolean wrong(Decision d, double truth, double t) {
        return d == Decision.DECIDED_BELOW && truth >= t || d == Decision.DECIDED_ABOVE && truth <= t;
    }

    /** Fraction of Bernoulli(p) streams, checked after every sample, that end with a wrong decision. */
    private static double bernoulliWrongRate(Memo memo, double p, double t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int wrong = 0;
        for (int s = 0; s < STREAMS; s++) {
            int k = 0;
            for (int n = 1; n <= CAP; n++) {
                k += rnd.nextDouble() < p ? 1 : 0;
                Decision d = memo.get(n, k);
                if (d != Decision.CONTINUE) {
                    wrong += wrong(d, p, t) ? 1 : 0;
                    break;
                }
            }
        }
        return (double) wrong / STREAMS;
    }

    @Test
    void shouldDecideMbinWronglyAtMostAlphaNearAndAwayFromTheThreshold() {
        double t = 0.05;
        Rule rule = new Rule(Metric.M_BIN, 0.5, t, Decide.EITHER, 1);
        EarlyStopping s = new EarlyStopping(rule, ALPHA, CAP, 1);
        Memo memo = new Memo((n, k) -> {
            Tally tally = new Tally();
            for (int i = 0; i < n; i++) {
                tally.add(i < k ? 1.0 : 0.0, rule);
            }
            return s.decide(tally);
        });
        for (double p : new double[] {0.0, 0.02, 0.04, 0.05, 0.06, 0.1, 0.3}) {
            double rate = bernoulliWrongRate(memo, p, t, 1000 + Math.round(p * 1000));
            assertTrue(rate <= ALPHA, "p = " + p + ": wrong decisions " + rate + " > alpha " + ALPHA);
        }
    }

    @Test
    void shouldShowThatAFixedNBoundCheckedAfterEverySampleIsNotValid() {
        double t = 0.05;
        Memo naive = new Memo((n, k) -> {
            double[] ci = ClopperPearson.interval(k, n, ALPHA / 2, ALPHA / 2);
            return ci[1] < t ? Decision.DECIDED_BELOW : ci[0] > t ? Decision.DECIDED_ABOVE : Decision.CONTINUE;
        });
        double rate = bernoulliWrongRate(naive, t, t, 77);
        assertTrue(rate > ALPHA, "the fixed-n bound should break under repeated checking, wrong rate " + rate);
    }

    /** Scores on {0, ¼, ½, ¾, 1} with the given probabilities. */
    private static double draw(SplittableRandom rnd, double[] probs) {
        double u = rnd.nextDouble();
        for (int i = 0; i < probs.length - 1; i++) {
            u -= probs[i];
            if (u < 0) {
                return i / 4.0;
            }
        }
        return 1.0;
    }

    private static double scoreStreamWrongRate(Rule rule, double[] probs, double truth, long seed) {
        EarlyStopping s = new EarlyStopping(rule, ALPHA, CAP, 1);
        SplittableRandom rnd = new SplittableRandom(seed);
        int wrong = 0;
        for (int i = 0; i < STREAMS; i++) {
            Tally tally = new Tally();
            for (int n = 1; n <= CAP; n++) {
                tally.add(draw(rnd, probs), rule);
                Decision d = s.decide(tally);
                if (d != Decision.CONTINUE) {
                    wrong += wrong(d, truth, rule.threshold()) ? 1 : 0;
                    break;
                }
            }
        }
        return (double) wrong / STREAMS;
    }

    @Test
    void shouldDecideMmuAndMgenWronglyAtMostAlphaOnScoreStreams() {
        List<double[]> dists = List.of(
                new double[] {0.5, 0.1, 0.1, 0.1, 0.2}, // E = 0.375, P(X > 1/2) = 0.3
                new double[] {0.4, 0.2, 0.1, 0.1, 0.2}, // E = 0.4,   P(X > 1/2) = 0.3
                new double[] {0.4, 0.1, 0.1, 0.2, 0.2}, // E = 0.45,  P(X > 1/2) = 0.4
                new double[] {0.7, 0.1, 0.1, 0.05, 0.05}); // E = 0.1625, P(X > 1/2) = 0.1
        long seed = 5;
        for (double[] p : dists) {
            double mean = p[1] * 0.25 + p[2] * 0.5 + p[3] * 0.75 + p[4];
            double above = p[3] + p[4];
            double mu = scoreStreamWrongRate(new Rule(Metric.M_MU, 0, 0.4, Decide.EITHER, 1), p, mean, seed++);
            assertTrue(mu <= ALPHA, "E[X] = " + mean + ": M_mu wrong decisions " + mu);
            double gen = scoreStreamWrongRate(new Rule(Metric.M_GEN, 0.5, 0.3, Decide.EITHER, 1), p, above, seed++);
            assertTrue(gen <= ALPHA, "P(X > 1/2) = " + above + ": M_gen wrong decisions " + gen);
        }
    }

    @Test
    void shouldHoldJointlyOverASuiteWithBonferroni() {
        int q = 10;
        double t = 0.05;
        Rule rule = new Rule(Metric.M_BIN, 0.5, t, Decide.BELOW, 1);
        EarlyStopping s = new EarlyStopping(rule, ALPHA, CAP, q);
        Memo memo = new Memo((n, k) -> {
            Tally tally = new Tally();
            for (int i = 0; i < n; i++) {
                tally.add(i < k ? 1.0 : 0.0, rule);
            }
            return s.decide(tally);
        });
        SplittableRandom rnd = new SplittableRandom(99);
        int suites = 400;
        int anyWrong = 0;
        for (int suite = 0; suite < suites; suite++) {
            boolean wrong = false;
            for (int prompt = 0; prompt < q; prompt++) {
                int k = 0;
                for (int n = 1; n <= CAP; n++) {
                    k += rnd.nextDouble() < t ? 1 : 0;
                    if (memo.get(n, k) == Decision.DECIDED_BELOW) {
                        wrong = true;
                        break;
                    }
                }
            }
            anyWrong += wrong ? 1 : 0;
        }
        assertTrue((double) anyWrong / suites <= ALPHA, "suite-level wrong rate " + (double) anyWrong / suites);
    }
}
