package dev.probeval.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The key/value cache of a batch of sequences that all have the same length: per layer one key and one value
 * buffer of shape {@code [batch, kvHeads, capacity, headSize]}, of which the first {@link #length()} positions are
 * filled. New positions are written in place (no copy of the past per step); the buffer grows by doubling when a
 * capacity {@linkplain #reserve reserved} up front runs out. The cache owns a sub-manager of the manager it is
 * created from, so closing it frees every buffer; the sampling engine broadcasts a one-row prompt cache to n rows
 * and drops finished rows.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;
    private int capacity;
    private int reserved = 64;

    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions per row. */
    public int length() {
        return length;
    }

    /** Number of rows, or 0 while empty. */
    public int batchSize() {
        return keys.length == 0 || keys[0] == null
                ? 0
                : (int) keys[0].getShape().get(0);
    }

    public int layers() {
        return keys.length;
    }

    /** Capacity to allocate on the first append (e.g. prompt plus token budget), avoiding any later growth. */
    public void reserve(int positions) {
        this.reserved = Math.max(1, positions);
    }

    /**
     * Writes this step's keys and values {@code [batch, kvHeads, t, headSize]} of one layer after the cached
     * positions and returns views of all {@code length + t} positions, attached to the manager of {@code k}.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        int t = (int) k.getShape().get(2);
        if (keys[layer] == null) {
            capacity = Math.max(capacity, Math.max(reserved, length + t));
            keys[layer] = allocate(k, capacity);
            values[layer] = allocate(v, capacity);
        } else if (length + t > keys[layer].getShape().get(2)) {
            int grown = (int) Math.max(2 * keys[layer].getShape().get(2), length + t);
            keys[layer] = grow(keys[layer], grown);
            values[layer] = grow(values[layer], grown);
            capacity = Math.max(capacity, grown);
        }
        NDIndex slot = new NDIndex(":, :, {}:{}", length, length + t);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDManager caller = k.getManager();
        NDIndex filled = new NDIndex(":, :, :{}", length + t);
        return new NDArray[] {keys[layer].get(caller, filled), values[layer].get(caller, filled)};
    }

    /** Marks {@code t} positions as appended to every layer; called once per forward pass, after the last layer. */
    public void advance(int t) {
        length += t;
    }

    /** Repeats every row {@code n} times along the batch axis (row r becomes rows r*n .. r*n+n-1). */
    public void repeatRows(int n) {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l] = replace(keys[l], keys[l].repeat(0, n));
                values[l] = replace(values[l], values[l].repeat(0, n));
            }
        }
    }

    /** Keeps only the rows whose flag is true, in order; finished samples stop costing attention work. */
    public void keepRows(boolean[] keep) {
        long[] rows = new long[keep.length];
        int n = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                rows[n++] = i;
            }
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDIndex index = new NDIndex("{}", tmp.create(java.util.Arrays.copyOf(rows, n)));
            for (int l = 0; l < keys.length; l++) {
                if (keys[l] != null) {
                    keys[l] = replace(keys[l], keys[l].get(index));
                    values[l] = replace(values[l], values[l].get(index));
                }
            }
        }
    }

    private NDArray allocate(NDArray like, int positions) {
        Shape s = like.getShape();
        return manager.zeros(new Shape(s.get(0), s.get(1), positions, s.get(3)), like.getDataType(), like.getDevice());
    }

    private NDArray grow(NDArray old, int positions) {
        Shape s = old.getShape();
        try (NDManager tmp = manager.newSubManager()) {
            NDArray pad = tmp.zeros(
                    new Shape(s.get(0), s.get(1), positions - s.get(2), s.get(3)), old.getDataType(), old.getDevice());
            return replace(old, old.concat(pad, 2));
        }
    }

    private NDArray replace(NDArray old, NDArray next) {
        next.attach(manager);
        old.close();
        return next;
    }

    @Override
    public void close() {
        manager.close();
    }
}
