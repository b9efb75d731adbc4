package dev.probeval.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The key/value cache of a batch of sequences that all have the same length: per layer one key and one value
 * array of shape {@code [batch, kvHeads, length, headSize]}. It owns a sub-manager of the manager it is created
 * from, so closing the cache frees every array it holds; forward passes append to it, the sampling engine
 * broadcasts a one-row prompt cache to n rows and drops finished rows.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

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
    return keys.length == 0 || keys[0] == null ? 0 : (int) keys[0].getShape().get(0);
  }

  public int layers() {
    return keys.length;
  }

  /**
   * Appends this step's keys and values {@code [batch, kvHeads, t, headSize]} of one layer and returns the full
   * cached keys and values. The stored arrays move to the cache's manager; the caller's arrays stay usable.
   */
  public NDArray[] append(int layer, NDArray k, NDArray v) {
    keys[layer] = extend(keys[layer], k);
    values[layer] = extend(values[layer], v);
    return new NDArray[] {keys[layer], values[layer]};
  }

  /** Marks {@code t} positions as appended to every layer; called once per forward pass, after the last layer. */
  public void advance(int t) {
    length += t;
  }

  /** Repeats every row {@code n} times along the batch axis (row r becomes rows r*n .. r*n+n-1). */
  public void repeatRows(int n) {
    for (int l = 0; l < keys.length; l++) {
      keys[l] = replace(keys[l], keys[l].repeat(0, n));
      values[l] = replace(values[l], values[l].repeat(0, n));
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
        keys[l] = replace(keys[l], keys[l].get(index));
        values[l] = replace(values[l], values[l].get(index));
      }
    }
  }

  private NDArray extend(NDArray old, NDArray add) {
    NDArray next = old == null ? add.duplicate() : old.concat(add, 2);
    next.attach(manager);
    if (old != null) {
      old.close();
    }
    return next;
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
