package dev.probeval.model.sampling;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.DecodeBatch;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Draws many samples of one prompt as one batch: the prompt is prefilled once, its state is repeated to the n
 * rows, and the rows decode step by step; a row that finishes is dropped from the batch (and from the cache), so it
 * stops costing work. Token choice runs on the CPU from each row's logits with the row's own
 * {@link SplittableRandom}, seeded per sample and advanced by exactly one draw per step, so a sample depends only on
 * its seed and prompt — never on the batch it was drawn in — and can be re-drawn alone. Rows beyond
 * {@link #maxBatchRows()} are decoded in further batches of the same prompt, which bounds the memory of a call.
 *
 * <p>Stateless between calls; each call's batch (cache, activations) is closed when the call ends. A row's token
 * choice reuses that row's buffers, so a decoding step allocates nothing per token.
 */
public final class SamplingEngine {
    /** Default {@link #maxBatchRows()}. */
    public static final int DEFAULT_MAX_BATCH_ROWS = 256;

    private final LanguageModel model;
    private final int maxBatchRows;
    private final int[] endTokens;

    public SamplingEngine(LanguageModel model) {
        this(model, DEFAULT_MAX_BATCH_ROWS);
    }

    /** An engine that decodes at most {@code maxBatchRows} rows (>= 1) at once. */
    public SamplingEngine(LanguageModel model, int maxBatchRows) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, got " + maxBatchRows);
        }
        this.model = model;
        this.maxBatchRows = maxBatchRows;
        this.endTokens = model.endTokenIds().clone();
    }

    public LanguageModel model() {
        return model;
    }

    /** Most rows decoded together; a call with more rows decodes them in several batches. */
    public int maxBatchRows() {
        return maxBatchRows;
    }

    /** One row of a batch: sample index, its seed, and whether it is the greedy baseline. */
    public record Row(int index, long seed, boolean greedy) {}

    /**
     * Rows for a request: the greedy baseline first (when asked), then samples 0..n-1, seeded with
     * {@link SampleIds#sampleSeed(long, String, int)}.
     */
    public static List<Row> rowsFor(int n, long baseSeed, String requestId, boolean includeGreedy) {
        List<Row> rows = new ArrayList<>();
        if (includeGreedy) {
            rows.add(new Row(
                    SampleIds.GREEDY_INDEX, SampleIds.sampleSeed(baseSeed, requestId, SampleIds.GREEDY_INDEX), true));
        }
        for (int i = 0; i < n; i++) {
            rows.add(new Row(i, SampleIds.sampleSeed(baseSeed, requestId, i), false));
        }
        return rows;
    }

    /** Encodes the prompt with BOS (as llama2.c and the reference's {@code add_special_tokens=True}) and generates. */
    public List<Sample> generate(String prompt, DecodingParams params, List<Row> rows) {
        TextTokenizer tok = model.tokenizer();
        return generate(tok.encode(prompt, tok.bosId() >= 0, false), params, rows);
    }

    /** Generates one sample per row for an already tokenized prompt (non-empty). */
    public List<Sample> generate(int[] prompt, DecodingParams params, List<Row> rows) {
        return generate(prompt, params, rows, 0, null);
    }

    /**
     * Receives each token as soon as a row has chosen it, on the decoding thread, before the next forward pass: a
     * server streams from here. It must be quick and must not throw.
     */
    @FunctionalInterface
    public interface TokenListener {
        /**
         * @param row the row's position in the {@code rows} list
         * @param token the token chosen (an end token included)
         */
        void onToken(int row, int token);
    }

    /**
     * {@link #generate(int[], DecodingParams, List)} that also records, per step, the {@code topLogprobs} most likely
     * tokens of the untempered model distribution ({@link Sample#topTokenIds()}, 0 = none) and reports each token to
     * {@code listener} (null = none). Neither changes which tokens are drawn.
     */
    public List<Sample> generate(
            int[] prompt, DecodingParams params, List<Row> rows, int topLogprobs, TokenListener listener) {
        return generate(prompt, params, rows, topLogprobs, listener, null);
    }

    /**
     * {@link #generate(int[], DecodingParams, List, int, TokenListener)} that stops early when {@code cancelled}
     * (null = never) says so: it is asked before the prompt's forward pass and before each later one, on the decoding
     * thread, and a true answer ends the call with a {@link CancellationException} instead of samples.
     */
    public List<Sample> generate(
            int[] prompt,
            DecodingParams params,
            List<Row> rows,
            int topLogprobs,
            TokenListener listener,
            BooleanSupplier cancelled) {
        if (topLogprobs < 0) {
            throw new IllegalArgumentException("topLogprobs must be >= 0, got " + topLogprobs);
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must contain at least one token");
        }
        if (prompt.length > model.maxContext()) {
            throw new IllegalArgumentException(
                    "prompt of " + prompt.length + " tokens exceeds the model context " + model.maxContext());
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        int vocab = model.vocabSize();
        // The last generated token is never fed back, so g new tokens need P + g - 1 positions.
        int budget = Math.min(params.maxNewTokens(), model.maxContext() - prompt.length + 1);
        RowState[] states = new RowState[rows.size()];
        for (int r = 0; r < states.length; r++) {
            states[r] = new RowState(rows.get(r), budget, Math.min(topLogprobs, vocab), vocab);
        }
        for (int from = 0; from < states.length; from += maxBatchRows) {
            int to = Math.min(states.length, from + maxBatchRows);
            decode(prompt, params, Arrays.copyOfRange(states, from, to), from, budget, listener, cancelled);
        }
        List<Sample> out = new ArrayList<>(states.length);
        for (RowState s : states) {
            out.add(s.toSample(model.tokenizer(), prompt[prompt.length - 1], params));
        }
        return out;
    }

    /** Decodes {@code states} (rows {@code first ..} of the call) as one batch until every row has finished. */
    private void decode(
            int[] prompt,
            DecodingParams params,
            RowState[] states,
            int first,
            int budget,
            TokenListener listener,
            BooleanSupplier cancelled) {
        int vocab = model.vocabSize();
        int last = prompt[prompt.length - 1];
        int n = states.length;
        int[] active = new int[n];
        int[] next = new int[n];
        boolean[] keep = new boolean[n];
        for (int r = 0; r < n; r++) {
            active[r] = r;
        }
        try (DecodeBatch batch = model.newBatch(Math.max(prompt.length, prompt.length + budget - 1))) {
            checkCancelled(cancelled);
            float[] promptLogits = batch.prefill(prompt);
            // Every row draws its first token from the prompt's logits.
            for (int j = 0; j < n; j++) {
                next[j] = states[j].step(promptLogits, 0, vocab, params, last);
            }
            batch.repeatRows(n);
            int activeCount = n;
            DecodeBatch.RowWork choose = (logits, from, to) -> {
                for (int j = from; j < to; j++) {
                    next[j] = states[active[j]].step(logits, j * vocab, vocab, params, last);
                }
            };
            while (true) {
                int kept = 0;
                for (int j = 0; j < activeCount; j++) {
                    RowState s = states[active[j]];
                    if (listener != null) {
                        listener.onToken(first + active[j], next[j]);
                    }
                    keep[j] = s.finish == null;
                    if (keep[j]) {
                        active[kept] = active[j];
                        next[kept++] = next[j];
                    }
                }
                if (kept == 0) {
                    break;
                }
                if (kept < activeCount) {
                    batch.keepRows(keep);
                }
                activeCount = kept;
                checkCancelled(cancelled);
                batch.step(next, choose);
            }
        }
    }

    private static void checkCancelled(BooleanSupplier cancelled) {
        if (cancelled != null && cancelled.getAsBoolean()) {
            throw new CancellationException("decoding cancelled");
        }
    }

    /** Per-sample decoding state. */
    private final class RowState {
        final Row row;
        final int budget;
        final SplittableRandom rng;
        final int[] tokens;
        final double[] tokenModelLogprobs;
        final int topK;
        final int[][] topIds;
        final double[][] topLps;
        int count;
        double logprob;
        double modelLogprob;
        double sumTop;
        int greedySteps;
        int sampledSteps;
        FinishReason finish;
        String stoppedText;

        final TokenDistributions.Scratch scratch;

        RowState(Row row, int budget, int topK, int vocab) {
            this.scratch = new TokenDistributions.Scratch(vocab);
            this.row = row;
            this.budget = budget;
            this.rng = new SplittableRandom(row.seed());
            this.tokens = new int[budget];
            this.tokenModelLogprobs = new double[budget];
            this.topK = topK;
            this.topIds = topK > 0 ? new int[budget][] : null;
            this.topLps = topK > 0 ? new double[budget][] : null;
        }

        /** The {@link #topK} most likely tokens of this step, most likely first (ties: lower id first). */
        private void recordTop(float[] logits, int off, int vocab, double lse) {
            int[] ids = new int[topK];
            double[] lps = new double[topK];
            int filled = 0;
            for (int v = 0; v < vocab; v++) {
                float x = logits[off + v];
                if (filled == topK && x <= logits[off + ids[filled - 1]]) {
                    continue;
                }
                int pos = filled < topK ? filled++ : topK - 1;
                while (pos > 0 && logits[off + ids[pos - 1]] < x) {
                    ids[pos] = ids[pos - 1];
                    pos--;
                }
                ids[pos] = v;
            }
            for (int i = 0; i < topK; i++) {
                lps[i] = logits[off + ids[i]] - lse;
            }
            topIds[count] = ids;
            topLps[count] = lps;
        }

        /** Chooses this row's next token from its logits; sets {@link #finish} when the sample ends. */
        int step(float[] logits, int off, int vocab, DecodingParams p, int lastPromptToken) {
            double lse = TokenDistributions.logSumExp(logits, off, vocab);
            int top = TokenDistributions.argmax(logits, off, vocab);
            double pTop = Math.exp(logits[off + top] - lse);
            sumTop += pTop;
            // One uniform per step whatever the step does, so the stream position equals the step index.
            double u = rng.nextDouble();
            boolean greedyStep = row.greedy() || p.isGreedy();
            AdaptiveTemperature a = p.adaptive();
            if (!greedyStep && a != null) {
                double stat = a.statistic() == AdaptiveTemperature.Statistic.RUNNING_MEAN ? sumTop / (count + 1) : pTop;
                greedyStep = stat > a.threshold();
            }
            int token;
            if (greedyStep) {
                token = top;
                logprob += logits[off + token] - lse;
                greedySteps++;
            } else {
                double[] q =
                        TokenDistributions.processed(logits, off, vocab, p.temperature(), p.topK(), p.topP(), scratch);
                token = TokenDistributions.draw(q, vocab, u);
                logprob += Math.log(q[token]);
                sampledSteps++;
            }
            if (topK > 0) {
                recordTop(logits, off, vocab, lse);
            }
            double tokenLp = logits[off + token] - lse;
            modelLogprob += tokenLp;
            tokenModelLogprobs[count] = tokenLp;
            tokens[count++] = token;
            if (isEnd(token)) {
                finish = FinishReason.EOS;
            } else if (!p.stopStrings().isEmpty() && stopHit(p, lastPromptToken)) {
                finish = FinishReason.STOP;
            } else if (count >= budget) {
                finish = FinishReason.LENGTH;
            }
            return token;
        }

        private boolean stopHit(DecodingParams p, int lastPromptToken) {
            String text = model.tokenizer().decode(Arrays.copyOf(tokens, count), lastPromptToken);
            int cut = -1;
            for (String s : p.stopStrings()) {
                int i = text.indexOf(s);
                if (i >= 0 && (cut < 0 || i < cut)) {
                    cut = i;
                }
            }
            if (cut >= 0) {
                stoppedText = text.substring(0, cut);
                return true;
            }
            return false;
        }

        Sample toSample(TextTokenizer tok, int lastPromptToken, DecodingParams p) {
            int[] ids = Arrays.copyOf(tokens, count);
            String text;
            if (finish == FinishReason.STOP) {
                text = stoppedText;
            } else {
                text = tok.decode(finish == FinishReason.EOS ? Arrays.copyOf(ids, count - 1) : ids, lastPromptToken);
            }
            AdaptiveStats stats = null;
            AdaptiveTemperature a = p.adaptive();
            if (a != null) {
                stats = new AdaptiveStats(a.threshold(), a.statistic(), greedySteps, sampledSteps, sumTop / count);
            }
            return new Sample(
                    row.index(),
                    row.greedy(),
                    row.seed(),
                    ids,
                    text,
                    finish,
                    logprob,
                    modelLogprob,
                    stats,
                    Arrays.copyOf(tokenModelLogprobs, count),
                    topIds == null ? null : Arrays.copyOf(topIds, count),
                    topLps == null ? null : Arrays.copyOf(topLps, count));
        }
    }

    private boolean isEnd(int token) {
        for (int e : endTokens) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }
}
