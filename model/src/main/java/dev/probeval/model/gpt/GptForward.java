package dev.probeval.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import dev.probeval.model.KvCache;

/**
 * The small GPT's forward pass over its {@link GptNetwork} blocks, with or without a {@link KvCache}: the
 * uncached pass serves training and scoring, the cached one the batched sampling engine, and both run the same
 * code so they cannot drift apart. Every array created here is attached to the manager of the input tokens
 * (the {@link dev.probeval.model.CausalLm} memory contract), except the cache entries, which the cache owns.
 */
final class GptForward {
    private GptForward() {}

    /**
     * Logits {@code [batch, t, vocab]} for ids {@code [batch, t]} placed after the cache's positions (position 0
     * without a cache); appends this step's keys and values to {@code cache} when given.
     */
    static NDArray logits(GptNetwork net, ParameterStore ps, NDArray tokens, KvCache cache, boolean training) {
        NDManager m = tokens.getManager();
        GptConfig c = net.config;
        int t = (int) tokens.getShape().get(1);
        int start = cache == null ? 0 : cache.length();
        if (start + t > c.contextLength()) {
            throw new IllegalArgumentException(
                    "sequence of " + (start + t) + " positions exceeds the model context " + c.contextLength());
        }
        NDArray x = net.embedding.forward(ps, new NDList(tokens), training).singletonOrThrow();
        NDArray positions = ps.getValue(net.positions, tokens.getDevice(), training);
        x = x.add(positions.get(m, new NDIndex("{}:{}", start, start + t)));
        NDArray mask = t > 1 ? causalMask(m, t, start) : null;
        for (int i = 0; i < net.layers.length; i++) {
            x = layer(ps, net.layers[i], x, cache, i, mask, training);
        }
        if (cache != null) {
            cache.advance(t);
        }
        x = net.finalNorm.forward(ps, new NDList(x), training).singletonOrThrow();
        return net.embedding.head(ps, x, training);
    }

    /**
     * One pre-norm layer on {@code x [batch, t, dim]}: causal multi-head self-attention softmax(q·kᵀ/√d_head +
     * mask)·v (Vaswani et al. 2017, eq. 1) over the cached and the new positions, then the GELU MLP, each added to
     * the residual stream.
     */
    static NDArray layer(
            ParameterStore ps, GptLayer l, NDArray x, KvCache cache, int index, NDArray mask, boolean training) {
        NDManager m = x.getManager();
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long d = s.get(2);
        long hs = d / l.heads;
        NDArray a = l.ln1.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray qkv = l.qkv.forward(ps, new NDList(a), training)
                .singletonOrThrow()
                .reshape(b, t, 3, l.heads, hs)
                .transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        NDArray keys = qkv.get(1);
        NDArray values = qkv.get(2);
        if (cache != null) {
            NDArray[] kv = cache.append(index, keys, values);
            keys = own(m, kv[0].get(new NDIndex("...")));
            values = own(m, kv[1].get(new NDIndex("...")));
        }
        NDArray scores = q.matMul(keys.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(hs)));
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray out = scores.softmax(-1).matMul(values).transpose(0, 2, 1, 3).reshape(b, t, d);
        x = x.add(l.proj.forward(ps, new NDList(out), training).singletonOrThrow());
        NDArray f = l.ln2.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray hidden =
                Activation.gelu(l.fc1.forward(ps, new NDList(f), training).singletonOrThrow());
        return x.add(l.fc2.forward(ps, new NDList(hidden), training).singletonOrThrow());
    }

    private static NDArray own(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }

    /**
     * Additive mask {@code [t, start + t]}: new position i (absolute start + i) may attend to absolute positions
     * 0 .. start + i, the rest get -∞.
     */
    static NDArray causalMask(NDManager m, int t, int start) {
        int s = start + t;
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            for (int j = start + i + 1; j < s; j++) {
                mask[i * s + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m.create(mask, new Shape(t, s));
    }
}
