package dev.probeval.model.llama2c;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.probeval.model.CausalLm;
import dev.probeval.model.Devices;
import dev.probeval.model.KvCache;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A llama2.c transformer evaluated with DJL NDArray operations (PyTorch engine) over a batch and a KV cache: the
 * same arithmetic as llama2.c's run.c (and the tests' scalar oracle, Llama2cReferenceForward) — RMSNorm, rotary
 * embeddings on adjacent pairs, grouped-query attention, SwiGLU, tied or separate classifier — expressed as batched
 * tensor operations.
 */
public final class Llama2cModel implements CausalLm {
    private final Llama2cCheckpoint.Config config;
    private final Llama2cTokenizer tokenizer;
    private final NDManager root;
    private final NDManager weights;
    private final NDArray embedding;
    private final NDArray[] rmsAtt;
    private final NDArray[] wq;
    private final NDArray[] wk;
    private final NDArray[] wv;
    private final NDArray[] wo;
    private final NDArray[] rmsFfn;
    private final NDArray[] w1;
    private final NDArray[] w2;
    private final NDArray[] w3;
    private final NDArray rmsFinal;
    private final NDArray classifier;
    /** [seqLen, headSize] cosines and signed sines of the rotary angles, see the constructor. */
    private final NDArray ropeCos;

    private final NDArray ropeSin;
    /** [hs, hs] permutation exchanging elements 2i and 2i+1 (a 0/1 matrix, so the product is exact). */
    private final NDArray swapPairs;

    private Llama2cModel(Llama2cCheckpoint ckpt, Llama2cTokenizer tokenizer, Device device) {
        this.config = ckpt.config;
        this.tokenizer = tokenizer;
        this.root = NDManager.newBaseManager(device);
        this.weights = root.newSubManager();
        Llama2cCheckpoint.Config c = config;
        int layers = c.nLayers();
        embedding = weights.create(ckpt.tokenEmbedding, new Shape(c.vocabSize(), c.dim()));
        rmsAtt = new NDArray[layers];
        wq = new NDArray[layers];
        wk = new NDArray[layers];
        wv = new NDArray[layers];
        wo = new NDArray[layers];
        rmsFfn = new NDArray[layers];
        w1 = new NDArray[layers];
        w2 = new NDArray[layers];
        w3 = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            rmsAtt[l] = weights.create(ckpt.rmsAtt[l], new Shape(c.dim()));
            wq[l] = weights.create(ckpt.wq[l], new Shape(c.dim(), c.dim()));
            wk[l] = weights.create(ckpt.wk[l], new Shape(c.kvDim(), c.dim()));
            wv[l] = weights.create(ckpt.wv[l], new Shape(c.kvDim(), c.dim()));
            wo[l] = weights.create(ckpt.wo[l], new Shape(c.dim(), c.dim()));
            rmsFfn[l] = weights.create(ckpt.rmsFfn[l], new Shape(c.dim()));
            w1[l] = weights.create(ckpt.w1[l], new Shape(c.hiddenDim(), c.dim()));
            w2[l] = weights.create(ckpt.w2[l], new Shape(c.dim(), c.hiddenDim()));
            w3[l] = weights.create(ckpt.w3[l], new Shape(c.hiddenDim(), c.dim()));
        }
        rmsFinal = weights.create(ckpt.rmsFinal, new Shape(c.dim()));
        classifier =
                c.sharedClassifier() ? embedding : weights.create(ckpt.classifier, new Shape(c.vocabSize(), c.dim()));
        int hs = c.headSize();
        // Rotary tables laid out per element of a head: cos_i at 2i and 2i+1; -sin_i at 2i, +sin_i at 2i+1, so that
        // rope(q) = q * cos + swapPairs(q) * sin with swapPairs exchanging elements 2i and 2i+1.
        float[] cos = new float[c.seqLen() * hs];
        float[] sin = new float[cos.length];
        for (int pos = 0; pos < c.seqLen(); pos++) {
            for (int i = 0; i < hs / 2; i++) {
                // Same float arithmetic as run.c: freq = 1 / 10000^(headDim / headSize) with headDim = 2i.
                float freq = (float) (1.0 / Math.pow(10000.0, (2 * i) / (double) hs));
                float val = pos * freq;
                float fc = (float) Math.cos(val);
                float fs = (float) Math.sin(val);
                cos[pos * hs + 2 * i] = fc;
                cos[pos * hs + 2 * i + 1] = fc;
                sin[pos * hs + 2 * i] = -fs;
                sin[pos * hs + 2 * i + 1] = fs;
            }
        }
        ropeCos = weights.create(cos, new Shape(c.seqLen(), hs));
        ropeSin = weights.create(sin, new Shape(c.seqLen(), hs));
        float[] swap = new float[hs * hs];
        for (int i = 0; i < hs; i += 2) {
            swap[i * hs + i + 1] = 1f;
            swap[(i + 1) * hs + i] = 1f;
        }
        swapPairs = weights.create(swap, new Shape(hs, hs));
        weights.cap();
    }

    /** Loads a checkpoint and its vocabulary onto {@link Devices#preferred()}. */
    public static Llama2cModel load(Path checkpoint, Path tokenizerFile) throws IOException {
        return load(checkpoint, tokenizerFile, Devices.preferred());
    }

    public static Llama2cModel load(Path checkpoint, Path tokenizerFile, Device device) throws IOException {
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.read(checkpoint);
        Llama2cTokenizer tok = Llama2cTokenizer.read(tokenizerFile, ckpt.config.vocabSize());
        return new Llama2cModel(ckpt, tok, device);
    }

    public Llama2cCheckpoint.Config config() {
        return config;
    }

    @Override
    public NDArray forward(NDArray tokens, KvCache cache) {
        NDManager m = tokens.getManager();
        Llama2cCheckpoint.Config c = config;
        long b = tokens.getShape().get(0);
        int t = (int) tokens.getShape().get(1);
        int start = cache.length();
        if (start + t > c.seqLen()) {
            throw new IllegalArgumentException(
                    "sequence of " + (start + t) + " positions exceeds the model context " + c.seqLen());
        }
        int hs = c.headSize();
        int kvMul = c.nHeads() / c.nKvHeads();
        NDArray ids = tokens.getDataType() == DataType.INT64 ? tokens : tokens.toType(DataType.INT64, false);
        NDArray x = Embedding.embedding(ids, embedding, SparseFormat.DENSE).singletonOrThrow();
        NDArray cos = ropeCos.get(m, new NDIndex("{}:{}", start, start + t)).reshape(1, t, 1, hs);
        NDArray sin = ropeSin.get(m, new NDIndex("{}:{}", start, start + t)).reshape(1, t, 1, hs);
        NDArray mask = t > 1 ? causalMask(m, t, start) : null;
        float scale = (float) (1.0 / Math.sqrt(hs));
        for (int l = 0; l < c.nLayers(); l++) {
            NDArray xb = rmsnorm(x, rmsAtt[l]);
            NDArray q = rope(Linear.linear(xb, wq[l]).singletonOrThrow().reshape(b, t, c.nHeads(), hs), cos, sin);
            NDArray k = rope(Linear.linear(xb, wk[l]).singletonOrThrow().reshape(b, t, c.nKvHeads(), hs), cos, sin);
            NDArray v = Linear.linear(xb, wv[l]).singletonOrThrow().reshape(b, t, c.nKvHeads(), hs);
            NDArray[] kv = cache.append(l, k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3));
            // Query head h = g * kvMul + j reads key/value head g. The cached heads are expanded to all query heads
            // explicitly: PyTorch's broadcasting matmul over a stride-0 group axis takes a slow path on the CPU.
            long s = kv[0].getShape().get(2);
            NDArray keys = kvMul == 1
                    ? own(m, kv[0].get(new NDIndex("...")))
                    : own(m, kv[0].expandDims(2))
                            .broadcast(b, c.nKvHeads(), kvMul, s, hs)
                            .reshape(b, c.nHeads(), s, hs);
            NDArray values = kvMul == 1
                    ? own(m, kv[1].get(new NDIndex("...")))
                    : own(m, kv[1].expandDims(2))
                            .broadcast(b, c.nKvHeads(), kvMul, s, hs)
                            .reshape(b, c.nHeads(), s, hs);
            NDArray scores =
                    q.transpose(0, 2, 1, 3).matMul(keys.transpose(0, 1, 3, 2)).mul(scale);
            if (mask != null) {
                scores = scores.add(mask);
            }
            NDArray out =
                    scores.softmax(-1).matMul(values).transpose(0, 2, 1, 3).reshape(b, t, c.dim());
            x = x.add(Linear.linear(out, wo[l]).singletonOrThrow());
            xb = rmsnorm(x, rmsFfn[l]);
            NDArray h1 = Linear.linear(xb, w1[l]).singletonOrThrow();
            NDArray h3 = Linear.linear(xb, w3[l]).singletonOrThrow();
            NDArray h = h1.mul(Activation.sigmoid(h1)).mul(h3);
            x = x.add(Linear.linear(h, w2[l]).singletonOrThrow());
        }
        cache.advance(t);
        x = rmsnorm(x, rmsFinal);
        return Linear.linear(x, classifier).singletonOrThrow();
    }

    private static NDArray own(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }

    /** run.c's rmsnorm: w ⊙ (x / sqrt(mean(x²) + 1e-5)). */
    static NDArray rmsnorm(NDArray x, NDArray weight) {
        NDArray inv = x.square().mean(new int[] {-1}, true).add(1e-5f).pow(-0.5f);
        return x.mul(inv).mul(weight);
    }

    /** Rotates adjacent pairs (2i, 2i+1) of each head: [B, T, H, hs] with cos/sin [1, T, 1, hs]. */
    private NDArray rope(NDArray q, NDArray cos, NDArray sin) {
        return q.mul(cos).add(q.matMul(swapPairs).mul(sin));
    }

    /** Additive mask [T, S] for T new positions after {@code start} cached ones: -inf where key s > start + t. */
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

    @Override
    public Llama2cTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxContext() {
        return config.seqLen();
    }

    @Override
    public int[] endTokenIds() {
        return new int[] {Llama2cTokenizer.EOS, Llama2cTokenizer.BOS};
    }

    @Override
    public int layers() {
        return config.nLayers();
    }

    @Override
    public Device device() {
        return root.getDevice();
    }

    @Override
    public NDManager manager() {
        return root;
    }

    @Override
    public String describe() {
        Llama2cCheckpoint.Config c = config;
        return "llama2.c dim=" + c.dim() + " hidden=" + c.hiddenDim() + " layers=" + c.nLayers() + " heads="
                + c.nHeads() + " kv_heads=" + c.nKvHeads() + " vocab=" + c.vocabSize() + " ctx=" + c.seqLen() + " on "
                + device();
    }

    @Override
    public void close() {
        root.close();
    }
}
