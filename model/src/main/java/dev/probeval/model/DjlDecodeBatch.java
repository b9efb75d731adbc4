package dev.probeval.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** A {@link DecodeBatch} over a DJL {@link CausalLm}: one forward call per step over all rows and a {@link KvCache}. */
final class DjlDecodeBatch implements DecodeBatch {
    private final CausalLm model;
    private final NDManager call;
    private final KvCache cache;
    /** Counted here rather than read from the cache: a model may keep no keys (a test double, say). */
    private int rows;

    DjlDecodeBatch(CausalLm model, int positions) {
        this.model = model;
        this.call = model.manager().newSubManager();
        this.cache = model.newCache(call);
        cache.reserve(positions);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public float[] prefill(int[] prompt) {
        try (NDManager step = call.newSubManager()) {
            NDArray out = model.forward(step.create(prompt, new Shape(1, prompt.length)), cache);
            rows = 1;
            return out.get(0, prompt.length - 1).toFloatArray();
        }
    }

    @Override
    public void repeatRows(int n) {
        cache.repeatRows(n);
        rows = n;
    }

    @Override
    public void keepRows(boolean[] keep) {
        boolean[] flags = java.util.Arrays.copyOf(keep, rows);
        cache.keepRows(flags);
        int kept = 0;
        for (boolean k : flags) {
            kept += k ? 1 : 0;
        }
        rows = kept;
    }

    @Override
    public void step(int[] tokens, RowWork work) {
        float[] logits;
        try (NDManager step = call.newSubManager()) {
            int[] feed = tokens.length == rows ? tokens : java.util.Arrays.copyOf(tokens, rows);
            logits = model.forward(step.create(feed, new Shape(rows, 1)), cache).toFloatArray();
        }
        work.run(logits, 0, rows);
    }

    @Override
    public void close() {
        try (call) {
            cache.close();
        }
    }
}
