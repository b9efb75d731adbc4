package dev.probeval.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a request into chunks. Chunks bound the time between two consumer polls (so a long request never trips
 * {@code max.poll.interval.ms}) and the work a crash can throw away (one chunk).
 */
final class ChunkPlan {
    private ChunkPlan() {}

    /**
     * The chunks still to draw for a request of {@code n} samples, resuming at sample index {@code resumeFrom}
     * (0 for a fresh request). The greedy baseline rides in the first chunk of a fresh request, so it is committed with
     * samples 0.. and never drawn twice; a resumed request (resumeFrom > 0) has drawn it already.
     *
     * @throws IllegalArgumentException if {@code n < 1}, {@code chunkSize < 1} or {@code resumeFrom} is outside
     *     [0, n)
     */
    static List<Chunk> plan(int n, int chunkSize, boolean drawGreedy, int resumeFrom) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, got " + chunkSize);
        }
        if (resumeFrom < 0 || resumeFrom >= n) {
            throw new IllegalArgumentException("resume index must be in [0, " + n + "), got " + resumeFrom);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int first = resumeFrom; first < n; first += chunkSize) {
            int count = Math.min(chunkSize, n - first);
            chunks.add(new Chunk(chunks.size(), first, count, drawGreedy && first == 0, first + count == n));
        }
        return List.copyOf(chunks);
    }

    /**
     * The chunks still to draw for a request under a stopping rule: chunk ends are the rule's checkpoints
     * ({@link dev.probeval.core.bounds.EarlyStopping#checkpoints}: 8, 16, 32, 64, then every {@code chunkSize}), the
     * first chunk starting at {@code resumeFrom}. Since the checkpoints depend on (n, chunkSize) only, a worker that
     * resumes from a committed checkpoint checks at the same n as the one before it.
     */
    static List<Chunk> planCheckpoints(int n, int chunkSize, boolean drawGreedy, int resumeFrom) {
        plan(n, chunkSize, drawGreedy, resumeFrom); // the same argument checks
        List<Chunk> chunks = new ArrayList<>();
        int first = resumeFrom;
        for (int end : dev.probeval.core.bounds.EarlyStopping.checkpoints(n, chunkSize)) {
            if (end > first) {
                chunks.add(new Chunk(chunks.size(), first, end - first, drawGreedy && first == 0, end == n));
                first = end;
            }
        }
        return List.copyOf(chunks);
    }
}
