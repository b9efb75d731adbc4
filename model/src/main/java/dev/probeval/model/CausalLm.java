package dev.probeval.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A causal language model on DJL: its tokenizer, and a forward pass over a batch that reads and extends a
 * {@link KvCache}. Implementations hold their weights in their own NDManager and are closed by their owner.
 *
 * <p>Memory contract: every array {@link #forward} creates, the returned logits included, is attached to the
 * manager of the {@code tokens} argument (callers pass a per-step sub-manager), except the new cache entries, which
 * the cache owns.
 */
public interface CausalLm extends LanguageModel {
    int layers();

    Device device();

    /**
     * The model's root manager: callers create caches and per-call managers as its sub-managers. The weights live in
     * a capped child of it, so an operation that would wrongly attach its result to the weights fails loudly.
     */
    NDManager manager();

    /**
     * Runs the model on {@code tokens} (int32 or int64, shape {@code [batch, t]}) placed after the {@code
     * cache.length()} cached positions, appends their keys and values to the cache and returns float32 logits of
     * shape {@code [batch, t, vocab]}.
     */
    NDArray forward(NDArray tokens, KvCache cache);

    /** A new empty cache, owned by a sub-manager of {@code parent}. */
    default KvCache newCache(NDManager parent) {
        return new KvCache(parent, layers());
    }

    /** A batch decoded by one {@link #forward} call per step over all rows, with a {@link KvCache}. */
    @Override
    default DecodeBatch newBatch(int positions) {
        return new DjlDecodeBatch(this, positions);
    }
}
