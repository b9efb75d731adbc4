package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.core.bounds.SampleSizePlanner;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@code probeval plan}: fixed-n vs anytime n from the planner, the exact expected n under early stopping. */
class PlanCommandTest {
    @Test
    void printsFixedAndAnytimeNAndTheExpectedStoppingN() {
        CliResult r = CliResult.run("plan", "--certify-bin", "0.05", "--cap", "512", "--true-value", "0,0.3");
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.out()
                        .contains("fixed n (sound):     n = "
                                + SampleSizePlanner.zeroLeakSamples(0.05, 0.01, BoundMode.SOUND)),
                r.out());
        assertTrue(
                r.out()
                        .contains("anytime (any n):     n = "
                                + SampleSizePlanner.zeroLeakSamples(0.05, 0.01, BoundMode.ANYTIME)),
                r.out());
        EarlyStopping s = new EarlyStopping(
                new EarlyStopping.Rule(EarlyStopping.Metric.M_BIN, 0.5, 0.05, EarlyStopping.Decide.EITHER, 1),
                0.01,
                512,
                1);
        for (double p : new double[] {0, 0.3}) {
            String e = String.format(
                    Locale.ROOT, "%10.1f", s.expectBernoulli(p, 512, 32).expectedN());
            assertTrue(
                    r.out().lines().anyMatch(l -> l.trim().startsWith(p == 0 ? "0 " : "0.3 ") && l.contains(e)),
                    "expected n " + e + " for p = " + p + " in\n" + r.out());
        }
    }

    @Test
    void plansWidthsAndSuites() {
        CliResult r = CliResult.run("plan", "--mu-width", "0.05");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("n = 922"), r.out());
        CliResult q = CliResult.run("plan", "--certify-mu", "0.3", "--suite-size", "40", "--cap", "256");
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("alpha/Q = 0.00025"), q.out());
    }

    @Test
    void badInputIsExitTwoWithOneLine() {
        for (String[] args : new String[][] {
            {"plan"},
            {"plan", "--certify-bin", "2"},
            {"plan", "--certify-bin", "0.05", "--mu-width", "0.1"},
            {"plan", "--certify-bin", "0.05", "--alpha", "0.7"},
            {"plan", "--certify-bin", "0.05", "--decide", "sideways"},
            {"plan", "--certify-bin", "0.05", "--true-value", "1.5"}
        }) {
            CliResult r = CliResult.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }
}
