package dev.probeval.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BoundModesTest {
    @Test
    void shouldMapEveryContractModeToTheSameNamedCoreModeAndBack() {
        Set<dev.probeval.core.bounds.BoundMode> reached = EnumSet.noneOf(dev.probeval.core.bounds.BoundMode.class);
        for (BoundMode m : BoundMode.values()) {
            dev.probeval.core.bounds.BoundMode core = BoundModes.toCore(m);
            assertEquals(m.name(), core.name());
            assertEquals(m, BoundModes.toAvro(core));
            reached.add(core);
        }
        assertEquals(
                EnumSet.allOf(dev.probeval.core.bounds.BoundMode.class),
                reached,
                "a core mode no contract mode maps to (add it to BoundMode.avsc)");
    }

    @Test
    void shouldMapEveryCoreModeToTheSameNamedContractModeAndBack() {
        Set<BoundMode> reached = EnumSet.noneOf(BoundMode.class);
        for (dev.probeval.core.bounds.BoundMode m : dev.probeval.core.bounds.BoundMode.values()) {
            BoundMode avro = BoundModes.toAvro(m);
            assertEquals(m.name(), avro.name());
            assertEquals(m, BoundModes.toCore(avro));
            reached.add(avro);
        }
        assertEquals(EnumSet.allOf(BoundMode.class), reached, "a contract mode no core mode maps to");
    }

    @Test
    void shouldRejectAMissingModeByName() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> BoundModes.toCore(null));
        assertEquals("bound mode", e.getMessage());
    }
}
