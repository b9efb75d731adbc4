package dev.probeval.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Adaptive temperature on a scripted model whose top-token probability at every step is known. */
class AdaptiveTemperatureTest {
    static final int VOCAB = 6;
    /** p_max of the distribution of generated step s. */
    static final double[] P_TOP = {0.95, 0.97, 0.5, 0.5, 0.99, 0.99, 0.99, 0.99};

    static List<Sample> run(AdaptiveTemperature a, int n) {
        try (ScriptedLm lm = new ScriptedLm(
                VOCAB, pos -> ScriptedLm.withTopProbability(VOCAB, P_TOP[Math.min(pos, P_TOP.length - 1)]), false)) {
            DecodingParams p = DecodingParams.builder()
                    .optMaxNewTokens(P_TOP.length)
                    .optAdaptive(a)
                    .build();
            return new SamplingEngine(lm).generate("a", p, SamplingEngine.rowsFor(n, 7, "req", false));
        }
    }

    static void assertSteps(List<Sample> samples, int greedy, int sampled) {
        for (Sample s : samples) {
            assertEquals(greedy, s.adaptive().greedySteps(), "greedy steps of sample " + s.index());
            assertEquals(sampled, s.adaptive().sampledSteps(), "sampled steps of sample " + s.index());
            assertEquals(FinishReason.LENGTH, s.finish());
        }
    }

    @Test
    void runningMeanShouldDecodeGreedilyOnlyWhileTheMeanIsAboveTheThreshold() {
        // Running means: .95 .96 | .807 .73 .782 .817 .841 .86 -> with c_T = .9: 2 greedy, then 6 sampled.
        List<Sample> samples = run(AdaptiveTemperature.runningMean(0.9), 32);
        assertSteps(samples, 2, 6);
        for (Sample s : samples) {
            assertEquals(0, s.tokens()[0]);
            assertEquals(0, s.tokens()[1]);
            assertEquals(6.88 / 8, s.adaptive().meanTopProbability(), 1e-6);
            assertEquals(0.9, s.adaptive().threshold());
            assertEquals(
                    AdaptiveTemperature.Statistic.RUNNING_MEAN, s.adaptive().statistic());
        }
        // With c_T = .8 the mean dips below at steps 3 and 4 only: 6 greedy, 2 sampled.
        assertSteps(run(AdaptiveTemperature.runningMean(0.8), 8), 6, 2);
    }

    @Test
    void currentStepStatisticShouldFollowEachStepsConfidence() {
        List<Sample> samples = run(new AdaptiveTemperature(0.9, AdaptiveTemperature.Statistic.CURRENT_STEP), 16);
        assertSteps(samples, 6, 2);
        for (Sample s : samples) {
            for (int i : new int[] {0, 1, 4, 5, 6, 7}) {
                assertEquals(0, s.tokens()[i], "greedy step " + i + " takes the argmax");
            }
        }
    }

    @Test
    void sampledStepsShouldActuallySample() {
        // Steps 2 and 3 put 0.1 on each non-top token: over 64 samples some must leave token 0.
        long diverse = run(AdaptiveTemperature.runningMean(0.9), 64).stream()
                .filter(s -> s.tokens()[2] != 0 || s.tokens()[3] != 0)
                .count();
        assertEquals(true, diverse > 10, "samples leaving the top token at the sampled steps: " + diverse);
    }

    @Test
    void extremeThresholdsShouldMeanAlwaysGreedyAndNeverGreedy() {
        assertSteps(run(AdaptiveTemperature.runningMean(0.0), 4), 8, 0);
        // The comparison is strict: a statistic can never exceed c_T = 1.
        assertSteps(run(AdaptiveTemperature.runningMean(1.0), 4), 0, 8);
    }

    @Test
    void statsShouldBeAbsentWithoutAdaptiveTemperatureAndTheRuleValidated() {
        assertNull(run(null, 1).get(0).adaptive());
        assertThrows(IllegalArgumentException.class, () -> AdaptiveTemperature.runningMean(1.5));
    }
}
