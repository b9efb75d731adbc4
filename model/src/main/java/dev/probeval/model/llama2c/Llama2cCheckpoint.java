package dev.probeval.model.llama2c;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The weights of a llama2.c checkpoint, read into plain float arrays in llama2.c's layout: every matrix is stored
 * row-major as {@code [out][in]} (llama2.c's {@code matmul(xout, x, w, n, d)} computes {@code xout[i] = Σ_j w[i*n+j] x[j]}).
 *
 * <p>File layout (llama2.c legacy "version 0" export, little endian): seven int32 header fields {@code dim,
 * hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} (a negative vocab size means the classifier is
 * not shared with the token embedding), then float32 tensors in the order token embedding, attention RMSNorm
 * weights, wq, wk, wv, wo, FFN RMSNorm weights, w1, w2, w3, final RMSNorm weight, two legacy RoPE tables of
 * {@code seq_len * head_size / 2} floats each (skipped: RoPE is recomputed), and the classifier if not shared.
 */
public final class Llama2cCheckpoint {
    /** Hyper-parameters from the header. */
    public record Config(
            int dim,
            int hiddenDim,
            int nLayers,
            int nHeads,
            int nKvHeads,
            int vocabSize,
            int seqLen,
            boolean sharedClassifier) {
        public int headSize() {
            return dim / nHeads;
        }

        public int kvDim() {
            return headSize() * nKvHeads;
        }
    }

    public final Config config;
    /** [vocab][dim]. */
    public final float[] tokenEmbedding;
    /** Per layer: [dim]. */
    public final float[][] rmsAtt;
    /** Per layer: [dim][dim]. */
    public final float[][] wq;
    /** Per layer: [kvDim][dim]. */
    public final float[][] wk;
    /** Per layer: [kvDim][dim]. */
    public final float[][] wv;
    /** Per layer: [dim][dim]. */
    public final float[][] wo;
    /** Per layer: [dim]. */
    public final float[][] rmsFfn;
    /** Per layer: [hidden][dim]. */
    public final float[][] w1;
    /** Per layer: [dim][hidden]. */
    public final float[][] w2;
    /** Per layer: [hidden][dim]. */
    public final float[][] w3;
    /** [dim]. */
    public final float[] rmsFinal;
    /** [vocab][dim]; the same array as {@link #tokenEmbedding} when shared. */
    public final float[] classifier;

    private Llama2cCheckpoint(Config c, FloatBuffer f) {
        this.config = c;
        int hs = c.headSize();
        tokenEmbedding = take(f, c.vocabSize * c.dim);
        rmsAtt = takeLayers(f, c.nLayers, c.dim);
        wq = takeLayers(f, c.nLayers, c.dim * c.nHeads * hs);
        wk = takeLayers(f, c.nLayers, c.dim * c.nKvHeads * hs);
        wv = takeLayers(f, c.nLayers, c.dim * c.nKvHeads * hs);
        wo = takeLayers(f, c.nLayers, c.nHeads * hs * c.dim);
        rmsFfn = takeLayers(f, c.nLayers, c.dim);
        w1 = takeLayers(f, c.nLayers, c.dim * c.hiddenDim);
        w2 = takeLayers(f, c.nLayers, c.hiddenDim * c.dim);
        w3 = takeLayers(f, c.nLayers, c.dim * c.hiddenDim);
        rmsFinal = take(f, c.dim);
        f.position(f.position() + 2 * (c.seqLen * hs / 2));
        classifier = c.sharedClassifier ? tokenEmbedding : take(f, c.vocabSize * c.dim);
    }

    /** Reads a checkpoint; fails with a message naming the file when it is missing, truncated or malformed. */
    public static Llama2cCheckpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "llama2.c checkpoint not found");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 28) {
                throw new IOException(file + ": too short for a llama2.c header (" + size + " bytes)");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            int dim = buf.getInt();
            int hidden = buf.getInt();
            int layers = buf.getInt();
            int heads = buf.getInt();
            int kvHeads = buf.getInt();
            int vocab = buf.getInt();
            int seqLen = buf.getInt();
            boolean shared = vocab > 0;
            vocab = Math.abs(vocab);
            if (dim <= 0
                    || hidden <= 0
                    || layers <= 0
                    || heads <= 0
                    || kvHeads <= 0
                    || vocab == 0
                    || seqLen <= 0
                    || dim % heads != 0
                    || heads % kvHeads != 0
                    || (dim / heads) % 2 != 0) {
                throw new IOException(file + ": not a llama2.c checkpoint (header dim=" + dim + " hidden=" + hidden
                        + " layers=" + layers + " heads=" + heads + " kv_heads=" + kvHeads + " vocab=" + vocab
                        + " seq_len="
                        + seqLen + ")");
            }
            Config c = new Config(dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared);
            long floats = expectedFloats(c);
            if (size != 28 + 4 * floats) {
                throw new IOException(file + ": size " + size + " bytes does not match the header (expected "
                        + (28 + 4 * floats) + ")");
            }
            return new Llama2cCheckpoint(
                    c, buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        }
    }

    /** Number of float32 values after the header, legacy RoPE tables included. */
    static long expectedFloats(Config c) {
        long hs = c.headSize();
        long l = c.nLayers;
        long n = (long) c.vocabSize * c.dim
                + l * c.dim
                + l * c.dim * c.nHeads * hs
                + 2 * l * c.dim * c.nKvHeads * hs
                + l * c.nHeads * hs * c.dim
                + l * c.dim
                + 3 * l * c.dim * c.hiddenDim
                + c.dim
                + 2 * (c.seqLen * hs / 2);
        if (!c.sharedClassifier) {
            n += (long) c.vocabSize * c.dim;
        }
        return n;
    }

    /** Number of trainable parameters (legacy RoPE tables excluded, a shared classifier counted once). */
    public long parameterCount() {
        return expectedFloats(config) - 2L * (config.seqLen * config.headSize() / 2);
    }

    private static float[] take(FloatBuffer f, int n) {
        float[] a = new float[n];
        f.get(a);
        return a;
    }

    private static float[][] takeLayers(FloatBuffer f, int layers, int n) {
        float[][] a = new float[layers][];
        for (int l = 0; l < layers; l++) {
            a[l] = take(f, n);
        }
        return a;
    }
}
