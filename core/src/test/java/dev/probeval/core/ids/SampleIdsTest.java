package dev.probeval.core.ids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SampleIdsTest {
    @Test
    void shouldGiveSameIdAndSeedForSameRequestAndIndex() {
        assertEquals(SampleIds.sampleId("req-1", 7), SampleIds.sampleId("req-1", 7));
        assertEquals(SampleIds.sampleSeed(42, "req-1", 7), SampleIds.sampleSeed(42, "req-1", 7));
    }

    @Test
    void shouldGiveDistinctIdsAndSeedsAcrossIndicesRequestsAndBaseSeeds() {
        Set<String> ids = new HashSet<>();
        Set<Long> seeds = new HashSet<>();
        for (int i = -1; i < 1000; i++) {
            ids.add(SampleIds.sampleId("req-1", i));
            ids.add(SampleIds.sampleId("req-2", i));
            seeds.add(SampleIds.sampleSeed(0, "req-1", i));
            seeds.add(SampleIds.sampleSeed(1, "req-1", i));
        }
        assertEquals(2002, ids.size());
        assertEquals(2002, seeds.size());
        assertNotEquals(SampleIds.sampleId("req-1", 12), SampleIds.sampleId("req-11", 2));
    }

    @Test
    void shouldProduceVersion5Uuids() {
        UUID u = UUID.fromString(SampleIds.sampleId("r", 0));
        assertEquals(5, u.version());
        assertEquals(2, u.variant());
    }

    @Test
    void shouldRejectEmptyRequestId() {
        assertThrows(IllegalArgumentException.class, () -> SampleIds.sampleId("", 0));
        assertThrows(IllegalArgumentException.class, () -> SampleIds.sampleSeed(0, null, 0));
    }
}
