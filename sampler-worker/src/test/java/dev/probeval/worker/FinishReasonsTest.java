package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.probeval.avro.FinishReason;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FinishReasonsTest {
    @Test
    void shouldMapEveryModelFinishReasonToTheSameNamedContractOne() {
        for (dev.probeval.model.sampling.FinishReason f : dev.probeval.model.sampling.FinishReason.values()) {
            assertEquals(f.name(), FinishReasons.toAvro(f).name());
        }
    }

    @Test
    void shouldReachEveryContractFinishReasonFromExactlyOneModelReason() {
        Map<FinishReason, dev.probeval.model.sampling.FinishReason> from = new EnumMap<>(FinishReason.class);
        for (dev.probeval.model.sampling.FinishReason f : dev.probeval.model.sampling.FinishReason.values()) {
            dev.probeval.model.sampling.FinishReason before = from.put(FinishReasons.toAvro(f), f);
            assertNull(before, "two model reasons map to " + FinishReasons.toAvro(f));
        }
        assertEquals(
                EnumSet.allOf(FinishReason.class),
                from.keySet(),
                "a contract finish reason the model never reports (add it to model's FinishReason)");
    }
}
