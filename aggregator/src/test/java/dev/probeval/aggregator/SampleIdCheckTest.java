package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.ids.SampleIds;
import org.junit.jupiter.api.Test;

/** {@link SampleIdCheck} accepts exactly the ids {@link SampleIds#sampleId} computes. */
class SampleIdCheckTest {
    private final SampleIdCheck check = new SampleIdCheck();

    @Test
    void shouldAcceptExactlyTheIdsThatSampleIdsComputes() {
        for (String req : new String[] {"r1", "req-ü-中", "a".repeat(300)}) {
            for (int i : new int[] {-1, 0, 1, 9, 10, 63, 64, 999, 123_456, Integer.MAX_VALUE}) {
                String id = SampleIds.sampleId(req, i);
                assertTrue(check.matches(id, req, i), req + "/" + i);
                assertFalse(check.matches(id, req, i + 1), "other index");
                assertFalse(check.matches(id, req + "x", i), "other request");
                assertFalse(check.matches(id.toUpperCase(), req, i) && !id.equals(id.toUpperCase()), "upper case");
                for (int c = 0; c < id.length(); c++) {
                    char repl = id.charAt(c) == '0' ? '1' : '0';
                    String bad = id.substring(0, c) + repl + id.substring(c + 1);
                    assertFalse(check.matches(bad, req, i), "changed char " + c);
                }
            }
        }
        assertFalse(check.matches(null, "r1", 0));
        assertFalse(check.matches("", "r1", 0));
        assertFalse(check.matches(SampleIds.sampleId("r1", 0) + "0", "r1", 0));
    }
}
