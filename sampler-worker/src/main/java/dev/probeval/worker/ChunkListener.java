package dev.probeval.worker;

/**
 * Hooks around each chunk's transaction, for tests that stop a worker at an exact point. An exception thrown from a
 * hook is fatal to the worker: it stops at once without aborting or committing, like a killed process.
 */
interface ChunkListener {
    ChunkListener NONE = new ChunkListener() {};

    /** The chunk's records are sent in the open transaction; neither they nor the offset are committed yet. */
    default void beforeCommit(String requestId, Chunk chunk) {}

    /** The chunk's transaction committed. */
    default void afterCommit(String requestId, Chunk chunk) {}
}
