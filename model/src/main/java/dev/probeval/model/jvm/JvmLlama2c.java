package dev.probeval.model.jvm;

import dev.probeval.model.llama2c.Llama2cCheckpoint;
import dev.probeval.model.llama2c.Llama2cTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A llama2.c checkpoint decoded by the plain-Java engine: run.c's arithmetic (RMSNorm, rotary embeddings on adjacent
 * pairs, grouped-query attention, SwiGLU, tied or separate classifier) over a batch of rows, with the projections of
 * a layer fused into one matrix product per block of rows ({@code q|k|v}, then {@code w1|w3}).
 */
public final class JvmLlama2c extends JvmTransformer {
    private final Llama2cCheckpoint.Config c;
    private final MatMul mm = MatMul.best();
    private final float[] embedding;
    private final float[][] rmsAtt;
    private final float[][] rmsFfn;
    /** Per layer {@code [dim][dim + 2·kvDim]}: the query, key and value projections side by side, transposed. */
    private final float[][] wqkv;

    private final float[][] wo;
    /** Per layer {@code [dim][2·hidden]}: w1 then w3, transposed. */
    private final float[][] w13;

    private final float[][] w2;
    private final float[] rmsFinal;
    private final float[] classifier;
    /** {@code [seqLen][headSize/2]} rotary cosines and sines, computed as run.c does. */
    private final float[] ropeCos;

    private final float[] ropeSin;

    private JvmLlama2c(Llama2cCheckpoint ckpt, Llama2cTokenizer tokenizer, int threads) {
        super(threads, tokenizer, ckpt.config.vocabSize(), ckpt.config.seqLen(), new int[] {
            Llama2cTokenizer.EOS, Llama2cTokenizer.BOS
        });
        this.c = ckpt.config;
        int dim = c.dim();
        int kv = c.kvDim();
        int hidden = c.hiddenDim();
        int layers = c.nLayers();
        embedding = ckpt.tokenEmbedding;
        rmsAtt = ckpt.rmsAtt;
        rmsFfn = ckpt.rmsFfn;
        rmsFinal = ckpt.rmsFinal;
        wqkv = new float[layers][];
        wo = new float[layers][];
        w13 = new float[layers][];
        w2 = new float[layers][];
        for (int l = 0; l < layers; l++) {
            wqkv[l] = Ops.transpose(concatRows(ckpt.wq[l], ckpt.wk[l], ckpt.wv[l]), dim + 2 * kv, dim);
            wo[l] = Ops.transpose(ckpt.wo[l], dim, dim);
            w13[l] = Ops.transpose(concatRows(ckpt.w1[l], ckpt.w3[l]), 2 * hidden, dim);
            w2[l] = Ops.transpose(ckpt.w2[l], dim, hidden);
        }
        classifier = Ops.transpose(ckpt.classifier, c.vocabSize(), dim);
        int hs = c.headSize();
        ropeCos = new float[c.seqLen() * hs / 2];
        ropeSin = new float[ropeCos.length];
        for (int pos = 0; pos < c.seqLen(); pos++) {
            for (int i = 0; i < hs / 2; i++) {
                float freq = (float) (1.0 / Math.pow(10000.0, (2 * i) / (double) hs));
                float val = pos * freq;
                ropeCos[pos * hs / 2 + i] = (float) Math.cos(val);
                ropeSin[pos * hs / 2 + i] = (float) Math.sin(val);
            }
        }
    }

    /** Loads a checkpoint and its vocabulary; {@code threads} worker threads per step (the caller's included). */
    public static JvmLlama2c load(Path checkpoint, Path tokenizerFile, int threads) throws IOException {
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.read(checkpoint);
        return new JvmLlama2c(ckpt, Llama2cTokenizer.read(tokenizerFile, ckpt.config.vocabSize()), threads);
    }

    private static float[] concatRows(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    public Llama2cCheckpoint.Config config() {
        return c;
    }

    @Override
    int layers() {
        return c.nLayers();
    }

    @Override
    int kvDim() {
        return c.kvDim();
    }

    @Override
    long activationFloatsPerRow() {
        return 4L * c.dim() + 2L * c.kvDim() + 3L * c.hiddenDim() + c.vocabSize();
    }

    private record Activations(float[] x, float[] xb, float[] qkv, float[] att, float[] h, float[] g) {}

    @Override
    Object newActivations(int rows) {
        int dim = c.dim();
        return new Activations(
                new float[rows * dim],
                new float[rows * dim],
                new float[rows * (dim + 2 * c.kvDim())],
                new float[rows * dim],
                new float[rows * 2 * c.hiddenDim()],
                new float[rows * c.hiddenDim()]);
    }

    @Override
    void forward(
            int[] tokens,
            int from,
            int to,
            int pos,
            float[][] kvCache,
            int positions,
            Object activations,
            float[] scores,
            float[] logits,
            boolean wantLogits) {
        Activations a = (Activations) activations;
        int dim = c.dim();
        int kvDim = c.kvDim();
        int hidden = c.hiddenDim();
        int hs = c.headSize();
        int heads = c.nHeads();
        int qkvW = dim + 2 * kvDim;
        int n = to - from;
        for (int r = from; r < to; r++) {
            System.arraycopy(embedding, tokens[r] * dim, a.x, r * dim, dim);
        }
        for (int l = 0; l < c.nLayers(); l++) {
            for (int r = from; r < to; r++) {
                Ops.rmsnorm(a.xb, r * dim, a.x, r * dim, rmsAtt[l], dim);
            }
            mm.apply(a.xb, from * dim, n, dim, wqkv[l], qkvW, a.qkv, from * qkvW, false);
            for (int r = from; r < to; r++) {
                int q = r * qkvW;
                rope(a.qkv, q, dim, pos);
                rope(a.qkv, q + dim, kvDim, pos);
                attendRow(
                        mm,
                        a.qkv,
                        q,
                        q + dim,
                        q + dim + kvDim,
                        kvCache[r],
                        l,
                        pos,
                        positions,
                        kvDim,
                        heads,
                        c.nKvHeads(),
                        hs,
                        scores,
                        a.att,
                        r * dim);
            }
            mm.apply(a.att, from * dim, n, dim, wo[l], dim, a.x, from * dim, true);
            for (int r = from; r < to; r++) {
                Ops.rmsnorm(a.xb, r * dim, a.x, r * dim, rmsFfn[l], dim);
            }
            mm.apply(a.xb, from * dim, n, dim, w13[l], 2 * hidden, a.h, from * 2 * hidden, false);
            for (int r = from; r < to; r++) {
                int h = r * 2 * hidden;
                int g = r * hidden;
                for (int i = 0; i < hidden; i++) {
                    a.g[g + i] = Ops.silu(a.h[h + i]) * a.h[h + hidden + i];
                }
            }
            mm.apply(a.g, from * hidden, n, hidden, w2[l], dim, a.x, from * dim, true);
        }
        if (!wantLogits) {
            return;
        }
        for (int r = from; r < to; r++) {
            Ops.rmsnorm(a.xb, r * dim, a.x, r * dim, rmsFinal, dim);
        }
        mm.apply(a.xb, from * dim, n, dim, classifier, c.vocabSize(), logits, from * c.vocabSize(), false);
    }

    /** run.c's rotary embedding on adjacent pairs (2i, 2i+1) of every head in {@code v[o .. o + width)}. */
    private void rope(float[] v, int o, int width, int pos) {
        int hs = c.headSize();
        int base = pos * hs / 2;
        for (int i = 0; i < width; i += 2) {
            int p = base + (i % hs) / 2;
            float fcr = ropeCos[p];
            float fci = ropeSin[p];
            float v0 = v[o + i];
            float v1 = v[o + i + 1];
            v[o + i] = v0 * fcr - v1 * fci;
            v[o + i + 1] = v0 * fci + v1 * fcr;
        }
    }

    @Override
    public String describe() {
        return "jvm llama2.c dim=" + c.dim() + " hidden=" + c.hiddenDim() + " layers=" + c.nLayers() + " heads="
                + c.nHeads() + " kv_heads=" + c.nKvHeads() + " vocab=" + c.vocabSize() + " ctx=" + c.seqLen() + " "
                + engineDescription();
    }
}
