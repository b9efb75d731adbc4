package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

class GptTrainerScheduleTest {
    @Test
    void theLinearScheduleShouldWarmUpThenDecayToZeroAsHuggingFaceDoes() {
        GptTrainer.Config c =
                new GptTrainer.Config(1f, 0.1f, 2, 6, 0.01f, 0.9f, 0.95f, 1e-8f, GptTrainer.Schedule.LINEAR);
        Tracker t = GptTrainer.linear(c);
        float[] expected = {0.5f, 1f, 1f, 0.75f, 0.5f, 0.25f};
        for (int n = 1; n <= 6; n++) {
            assertEquals(expected[n - 1], t.getNewValue(n), 1e-6, "update " + n);
        }
        Tracker noWarmUp = GptTrainer.linear(
                new GptTrainer.Config(2f, 0f, 0, 4, 0.01f, 0.9f, 0.95f, 1e-8f, GptTrainer.Schedule.LINEAR));
        assertEquals(2f, noWarmUp.getNewValue(1), 1e-6);
        assertEquals(0.5f, noWarmUp.getNewValue(4), 1e-6);
    }

    @Test
    void theEightArgumentConfigShouldKeepTheCosineScheduleAndANullScheduleBeAnError() {
        assertEquals(
                GptTrainer.Schedule.COSINE, GptTrainer.Config.of(1e-3f, 1, 10).schedule());
        assertThrows(
                IllegalArgumentException.class,
                () -> new GptTrainer.Config(1f, 0f, 0, 4, 0.01f, 0.9f, 0.95f, 1e-8f, null));
    }
}
