package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkPlanTest {
    @Test
    void shouldCoverEverySampleOnceWithGreedyInTheFirstChunk() {
        List<Chunk> plan = ChunkPlan.plan(70, 32, true, 0);
        assertEquals(
                List.of(
                        new Chunk(0, 0, 32, true, false),
                        new Chunk(1, 32, 32, false, false),
                        new Chunk(2, 64, 6, false, true)),
                plan);
        assertEquals(71, plan.stream().mapToInt(Chunk::size).sum());
    }

    @Test
    void shouldCoverEveryIndexExactlyOnceForManyShapes() {
        for (int n = 1; n <= 40; n++) {
            for (int size = 1; size <= 12; size++) {
                for (int resume = 0; resume < n; resume += 3) {
                    List<Chunk> plan = ChunkPlan.plan(n, size, true, resume);
                    int expect = resume;
                    for (int i = 0; i < plan.size(); i++) {
                        Chunk c = plan.get(i);
                        assertEquals(i, c.ordinal());
                        assertEquals(expect, c.firstIndex());
                        assertTrue(c.count() >= 1 && c.count() <= size);
                        assertEquals(i == plan.size() - 1, c.last());
                        assertEquals(resume == 0 && i == 0, c.includeGreedy());
                        expect = c.endIndex();
                    }
                    assertEquals(n, expect, "plan must end at n");
                }
            }
        }
    }

    @Test
    void shouldNotDrawGreedyWhenNotRequestedOrWhenResuming() {
        assertFalse(ChunkPlan.plan(5, 2, false, 0).get(0).includeGreedy());
        List<Chunk> resumed = ChunkPlan.plan(10, 4, true, 4);
        assertEquals(List.of(new Chunk(0, 4, 4, false, false), new Chunk(1, 8, 2, false, true)), resumed);
    }

    @Test
    void singleChunkRequestShouldBeLastAndCarryGreedy() {
        assertEquals(List.of(new Chunk(0, 0, 3, true, true)), ChunkPlan.plan(3, 32, true, 0));
    }

    @Test
    void shouldRejectBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> ChunkPlan.plan(0, 4, true, 0));
        assertThrows(IllegalArgumentException.class, () -> ChunkPlan.plan(4, 0, true, 0));
        assertThrows(IllegalArgumentException.class, () -> ChunkPlan.plan(4, 2, true, 4));
        assertThrows(IllegalArgumentException.class, () -> ChunkPlan.plan(4, 2, true, -1));
    }
}
