package dev.probeval.model;

/**
 * Rows of one prompt decoded together: {@link #prefill} runs the prompt once on a single row, {@link #repeatRows}
 * copies that row's state to n rows, and each {@link #step} feeds one token per row and yields the next-token logits
 * of every row. Rows that finish are dropped with {@link #keepRows}, so they stop costing work. Not thread-safe: one
 * caller drives a batch; an engine may run a step's rows on several threads internally.
 */
public interface DecodeBatch extends AutoCloseable {
    /**
     * Work on the rows {@code from .. to - 1} right after their logits are ready, on the thread that computed them;
     * calls for different ranges may run concurrently, so the work must touch only those rows' state.
     */
    @FunctionalInterface
    interface RowWork {
        void run(float[] logits, int from, int to);
    }

    /** Number of rows (0 before {@link #prefill}). */
    int rows();

    /**
     * Runs {@code prompt} (non-empty) on a fresh single row and returns the logits after its last token: an array of
     * at least {@code vocab} floats, valid until the next call on this batch.
     */
    float[] prefill(int[] prompt);

    /** Repeats the single row {@code n} times. */
    void repeatRows(int n);

    /**
     * Keeps only the rows whose flag is true, in order, reading the first {@link #rows()} flags; the kept rows are
     * renumbered from 0.
     */
    void keepRows(boolean[] keep);

    /**
     * Feeds {@code tokens[r]} to row r for r below {@link #rows()} (later entries are ignored), then calls {@code work} on ranges covering every row with the
     * logits array, in which row r's next-token logits start at {@code r * vocab}; the array stays valid until the
     * next call on this batch.
     */
    void step(int[] tokens, RowWork work);

    @Override
    void close();
}
