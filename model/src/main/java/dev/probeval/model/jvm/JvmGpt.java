package dev.probeval.model.jvm;

import ai.djl.ndarray.NDArray;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The lab's small GPT decoded by the plain-Java engine: the arithmetic of {@code GptForward} (learned positions,
 * pre-norm LayerNorm blocks, causal multi-head attention, exact-GELU MLP, final LayerNorm, tied output head) over a
 * batch of rows. The weights are copied out of a DJL {@link GptModel} (the one format and loader there is), so a model
 * trained by the lab is decoded here without a second file format.
 */
public final class JvmGpt extends JvmTransformer {
    private final GptConfig c;
    private final MatMul mm = MatMul.best();
    private final float[] wte;
    private final float[] wpe;
    private final float[][] ln1g;
    private final float[][] ln1b;
    private final float[][] ln2g;
    private final float[][] ln2b;
    /** Per layer {@code [dim][3·dim]} (transposed): queries, keys, values, each head after head. */
    private final float[][] qkv;

    private final float[][] proj;
    private final float[][] fc1;
    private final float[][] fc2;
    private final float[] lnfg;
    private final float[] lnfb;
    /** {@code [dim][vocab]}: the tied embedding, transposed. */
    private final float[] head;

    private final String provenance;

    private JvmGpt(GptModel model, int threads) {
        super(
                threads,
                model.tokenizer(),
                model.config().vocabSize(),
                model.config().contextLength(),
                model.endTokenIds());
        this.c = model.config();
        Map<String, NDArray> p = model.namedArrays();
        int d = c.dim();
        int ffn = c.ffnHidden();
        wte = p.get("wte").toFloatArray();
        wpe = p.get("wpe").toFloatArray();
        int layers = c.layers();
        ln1g = new float[layers][];
        ln1b = new float[layers][];
        ln2g = new float[layers][];
        ln2b = new float[layers][];
        qkv = new float[layers][];
        proj = new float[layers][];
        fc1 = new float[layers][];
        fc2 = new float[layers][];
        for (int l = 0; l < layers; l++) {
            String h = "h" + l;
            ln1g[l] = p.get(h + ".ln1.gamma").toFloatArray();
            ln1b[l] = p.get(h + ".ln1.beta").toFloatArray();
            ln2g[l] = p.get(h + ".ln2.gamma").toFloatArray();
            ln2b[l] = p.get(h + ".ln2.beta").toFloatArray();
            qkv[l] = Ops.transpose(p.get(h + ".attn.qkv").toFloatArray(), 3 * d, d);
            proj[l] = Ops.transpose(p.get(h + ".attn.proj").toFloatArray(), d, d);
            fc1[l] = Ops.transpose(p.get(h + ".mlp.fc1").toFloatArray(), ffn, d);
            fc2[l] = Ops.transpose(p.get(h + ".mlp.fc2").toFloatArray(), d, ffn);
        }
        lnfg = p.get("lnf.gamma").toFloatArray();
        lnfb = p.get("lnf.beta").toFloatArray();
        head = Ops.transpose(wte, c.vocabSize(), d);
        provenance = model.describe();
    }

    /** A copy of {@code model}'s weights (the DJL model stays usable and is still closed by its owner). */
    public static JvmGpt of(GptModel model, int threads) {
        return new JvmGpt(model, threads);
    }

    /** Loads a model directory saved by {@link GptModel#save}. */
    public static JvmGpt load(Path dir, int threads) throws IOException {
        try (GptModel m = GptModel.load(dir)) {
            return new JvmGpt(m, threads);
        }
    }

    public GptConfig config() {
        return c;
    }

    @Override
    int layers() {
        return c.layers();
    }

    @Override
    int kvDim() {
        return c.dim();
    }

    @Override
    long activationFloatsPerRow() {
        return 6L * c.dim() + c.ffnHidden() + c.vocabSize();
    }

    private record Activations(float[] x, float[] xb, float[] qkv, float[] att, float[] h) {}

    @Override
    Object newActivations(int rows) {
        int d = c.dim();
        return new Activations(
                new float[rows * d],
                new float[rows * d],
                new float[rows * 3 * d],
                new float[rows * d],
                new float[rows * c.ffnHidden()]);
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
        int d = c.dim();
        int ffn = c.ffnHidden();
        int hs = c.headSize();
        int n = to - from;
        for (int r = from; r < to; r++) {
            int e = tokens[r] * d;
            int p = pos * d;
            int x = r * d;
            for (int i = 0; i < d; i++) {
                a.x[x + i] = wte[e + i] + wpe[p + i];
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int r = from; r < to; r++) {
                Ops.layernorm(a.xb, r * d, a.x, r * d, ln1g[l], ln1b[l], d);
            }
            mm.apply(a.xb, from * d, n, d, qkv[l], 3 * d, a.qkv, from * 3 * d, false);
            for (int r = from; r < to; r++) {
                int q = r * 3 * d;
                attendRow(
                        mm,
                        a.qkv,
                        q,
                        q + d,
                        q + 2 * d,
                        kvCache[r],
                        l,
                        pos,
                        positions,
                        d,
                        c.heads(),
                        c.heads(),
                        hs,
                        scores,
                        a.att,
                        r * d);
            }
            mm.apply(a.att, from * d, n, d, proj[l], d, a.x, from * d, true);
            for (int r = from; r < to; r++) {
                Ops.layernorm(a.xb, r * d, a.x, r * d, ln2g[l], ln2b[l], d);
            }
            mm.apply(a.xb, from * d, n, d, fc1[l], ffn, a.h, from * ffn, false);
            for (int i = from * ffn; i < to * ffn; i++) {
                a.h[i] = Ops.gelu(a.h[i]);
            }
            mm.apply(a.h, from * ffn, n, ffn, fc2[l], d, a.x, from * d, true);
        }
        if (!wantLogits) {
            return;
        }
        for (int r = from; r < to; r++) {
            Ops.layernorm(a.xb, r * d, a.x, r * d, lnfg, lnfb, d);
        }
        mm.apply(a.xb, from * d, n, d, head, c.vocabSize(), logits, from * c.vocabSize(), false);
    }

    @Override
    public String describe() {
        return provenance.replaceFirst("^gpt", "jvm gpt").replaceFirst(" on .*$", "") + " " + engineDescription();
    }
}
