package dev.probeval.model.jvm;

import dev.probeval.model.DecodeBatch;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The plain-Java engine's common part: a decoder-only transformer evaluated one position per row per step, with the
 * rows of a step split into contiguous ranges run on a small thread pool (rows never interact during decoding, so a
 * step needs one join, not one per layer). Subclasses supply the architecture's forward pass for a range of rows.
 *
 * <p>Memory, all on the Java heap and allocated when a batch is prefilled or widened, never per token: per row its
 * key/value cache, {@code 2 · layers · positions · kvDim} floats, and {@link #activationFloatsPerRow()} floats of
 * activations and logits; per worker thread one attention row of {@code positions} floats.
 */
abstract class JvmTransformer implements LanguageModel {
    /** Rows below which a step is not split across threads: the join would cost more than it saves. */
    private static final int MIN_ROWS_PER_THREAD = 4;

    private final int threads;
    private final ExecutorService pool;
    private final TextTokenizer tokenizer;
    private final int vocab;
    private final int context;
    private final int[] endTokens;

    JvmTransformer(int threads, TextTokenizer tokenizer, int vocab, int context, int[] endTokens) {
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.context = context;
        this.endTokens = endTokens.clone();
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads - 1, r -> {
                    Thread t = new Thread(r, "probeval-jvm-decoder");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Layers × KV width: the cache of one row holds {@code 2 · layers() · positions · kvDim()} floats. */
    abstract int layers();

    abstract int kvDim();

    /** Floats of activations (and logits) one row needs during a step. */
    abstract long activationFloatsPerRow();

    /** Per-row buffers of one step's activations, sized for {@code rows} rows. */
    abstract Object newActivations(int rows);

    /**
     * Runs one position for rows {@code from .. to - 1}: row r consumes {@code tokens[r]} at position {@code pos},
     * appends its keys and values to {@code kv[r]} (layer l's keys at {@code 2l · positions · kvDim}, channel-major, values after
     * them) and, when {@code wantLogits}, writes its logits to {@code logits[r · vocab ..]}.
     */
    abstract void forward(
            int[] tokens,
            int from,
            int to,
            int pos,
            float[][] kv,
            int positions,
            Object activations,
            float[] attention,
            float[] logits,
            boolean wantLogits);

    /**
     * Row caches of finished batches, kept for the next batch of the same shape: a request then allocates nothing
     * for its cache. Holds at most {@link #POOLED_ROWS} arrays; the most recent shape wins.
     */
    private final java.util.ArrayDeque<float[]> rowPool = new java.util.ArrayDeque<>();

    private static final int POOLED_ROWS = 256;

    /** A zero-filled-or-reused row cache of {@code floats} floats (contents need not be cleared: every read position is written first). */
    private float[] takeRow(int floats) {
        synchronized (rowPool) {
            float[] a = rowPool.pollLast();
            while (a != null && a.length != floats) {
                a = rowPool.pollLast();
            }
            if (a != null) {
                return a;
            }
        }
        return new float[floats];
    }

    private void giveRow(float[] row) {
        synchronized (rowPool) {
            if (rowPool.size() < POOLED_ROWS) {
                rowPool.addLast(row);
            }
        }
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int maxContext() {
        return context;
    }

    @Override
    public int[] endTokenIds() {
        return endTokens.clone();
    }

    /** How the engine runs, for {@link #describe()}: threads and kernel. */
    String engineDescription() {
        return "on " + threads + " CPU thread(s)" + (MatMul.vectorized() ? ", vector API" : ", scalar");
    }

    /**
     * One row's attention at position {@code pos} of layer {@code layer}: appends the row's key (channel-major: one
     * run of positions per channel) and value (position-major) to its cache, then attends each query head over
     * positions 0 .. pos; query head h reads key/value group {@code h / (heads / kvHeads)}. The query, key and value
     * are read from {@code qkv} at {@code q}, {@code k} and {@code v}; head h's output goes to {@code out[o + h·hs ..]}.
     */
    static void attendRow(
            MatMul mm,
            float[] qkv,
            int q,
            int k,
            int v,
            float[] cache,
            int layer,
            int pos,
            int positions,
            int kvDim,
            int heads,
            int kvHeads,
            int hs,
            float[] scores,
            float[] out,
            int o) {
        int kBlock = 2 * layer * positions * kvDim;
        int vBlock = (2 * layer + 1) * positions * kvDim;
        for (int ch = 0; ch < kvDim; ch++) {
            cache[kBlock + ch * positions + pos] = qkv[k + ch];
        }
        System.arraycopy(qkv, v, cache, vBlock + pos * kvDim, kvDim);
        float scale = (float) (1.0 / Math.sqrt(hs));
        int kvMul = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            int g = (h / kvMul) * hs;
            Ops.attend(
                    mm,
                    qkv,
                    q + h * hs,
                    cache,
                    kBlock + g * positions,
                    positions,
                    vBlock + g,
                    kvDim,
                    pos + 1,
                    hs,
                    scale,
                    scores,
                    out,
                    o + h * hs);
        }
    }

    /** Worker threads a step may use (the calling thread included). */
    public int threads() {
        return threads;
    }

    /** Bytes one batch row holds for {@code positions} positions: its cache plus its activations. */
    public long bytesPerRow(int positions) {
        return 4L * (2L * layers() * positions * kvDim() + activationFloatsPerRow());
    }

    @Override
    public DecodeBatch newBatch(int positions) {
        if (positions < 1 || positions > maxContext()) {
            throw new IllegalArgumentException(
                    "a batch needs 1 .. " + maxContext() + " positions per row, got " + positions);
        }
        return new Batch(positions);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Rows of one prompt; see {@link DecodeBatch}. */
    private final class Batch implements DecodeBatch {
        private final int positions;
        private final int vocab = vocabSize();
        private final float[][] attention = new float[threads][];
        private float[][] kv = new float[0][];
        private int rows;
        private int length;
        private Object activations;
        private float[] logits;
        private final List<Future<?>> pending = new ArrayList<>(threads);

        Batch(int positions) {
            this.positions = positions;
            for (int t = 0; t < threads; t++) {
                attention[t] = new float[positions];
            }
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public float[] prefill(int[] prompt) {
            if (prompt.length == 0 || prompt.length > positions) {
                throw new IllegalArgumentException(
                        "a prompt of " + prompt.length + " tokens does not fit 1 .. " + positions + " positions");
            }
            widen(1);
            release();
            kv = new float[][] {takeRow(rowCacheFloats())};
            rows = 1;
            length = 0;
            int[] one = new int[1];
            for (int p = 0; p < prompt.length; p++) {
                one[0] = prompt[p];
                checkToken(one[0]);
                forward(one, 0, 1, p, kv, positions, activations, attention[0], logits, p == prompt.length - 1);
            }
            length = prompt.length;
            return logits;
        }

        @Override
        public void repeatRows(int n) {
            if (rows != 1 || n < 1) {
                throw new IllegalStateException("repeatRows needs exactly one prefilled row and n >= 1");
            }
            float[] first = kv[0];
            float[][] next = new float[n][];
            next[0] = first;
            for (int r = 1; r < n; r++) {
                float[] c = takeRow(first.length);
                System.arraycopy(first, 0, c, 0, first.length);
                next[r] = c;
            }
            kv = next;
            rows = n;
            widen(n);
        }

        @Override
        public void keepRows(boolean[] keep) {
            if (keep.length < rows) {
                throw new IllegalArgumentException("keep has " + keep.length + " flags for " + rows + " rows");
            }
            int k = 0;
            for (int r = 0; r < rows; r++) {
                if (keep[r]) {
                    kv[k++] = kv[r];
                } else {
                    giveRow(kv[r]);
                }
            }
            Arrays.fill(kv, k, rows, null);
            rows = k;
        }

        @Override
        public void step(int[] tokens, RowWork work) {
            if (tokens.length < rows) {
                throw new IllegalArgumentException(tokens.length + " tokens for " + rows + " rows");
            }
            if (length >= positions) {
                throw new IllegalStateException("the batch is full: " + positions + " positions");
            }
            for (int r = 0; r < rows; r++) {
                checkToken(tokens[r]);
            }
            int pos = length;
            int chunks = Math.max(1, Math.min(threads, rows / MIN_ROWS_PER_THREAD));
            pending.clear();
            try {
                for (int c = 1; c < chunks; c++) {
                    int from = rows * c / chunks;
                    int to = rows * (c + 1) / chunks;
                    float[] att = attention[c];
                    pending.add(pool.submit(() -> {
                        forward(tokens, from, to, pos, kv, positions, activations, att, logits, true);
                        work.run(logits, from, to);
                    }));
                }
                int to = rows / chunks;
                forward(tokens, 0, to, pos, kv, positions, activations, attention[0], logits, true);
                work.run(logits, 0, to);
                for (Future<?> f : pending) {
                    f.get();
                }
            } catch (InterruptedException e) {
                pending.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("decoding interrupted", e);
            } catch (ExecutionException e) {
                pending.forEach(f -> f.cancel(true));
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            }
            length++;
        }

        private void checkToken(int token) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocab);
            }
        }

        private int rowCacheFloats() {
            return Math.toIntExact(2L * layers() * positions * kvDim());
        }

        /** Activation and logit buffers for {@code n} rows (kept when already large enough). */
        private void widen(int n) {
            if (logits == null || logits.length < n * vocab) {
                activations = newActivations(n);
                logits = new float[Math.multiplyExact(n, vocab)];
            }
        }

        private void release() {
            for (int r = 0; r < rows; r++) {
                giveRow(kv[r]);
            }
            kv = new float[0][];
            rows = 0;
        }

        @Override
        public void close() {
            release();
            activations = null;
            logits = null;
        }
    }
}
