package dev.probeval.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.probeval.model.TextTokenizer;
import java.util.List;

/**
 * A right-padded batch of question/answer sequences for teacher forcing: inputs {@code [b, t]}, next-token targets,
 * an answer mask (1 where the target is an answer byte or the final EOS: the loss covers only the answer, as the
 * reference fine-tuning recipe, paper-spec §3) and a position mask (1 on every real position, question included,
 * for the entropy term).
 */
final class TokenBatch {
    final int rows;
    final int length;
    final int[] inputs;
    final long[] targets;
    final float[] answerMask;
    final float[] positionMask;

    private TokenBatch(int rows, int length) {
        this.rows = rows;
        this.length = length;
        this.inputs = new int[rows * length];
        this.targets = new long[rows * length];
        this.answerMask = new float[rows * length];
        this.positionMask = new float[rows * length];
    }

    /** Tokenizes BOS + prompt + answer + EOS per pair; sequences longer than {@code context + 1} are an error. */
    static TokenBatch of(TextTokenizer tok, List<QaPair> pairs, int context) {
        int[][] seqs = new int[pairs.size()][];
        int[] answerStart = new int[pairs.size()];
        int len = 0;
        for (int r = 0; r < seqs.length; r++) {
            QaPair p = pairs.get(r);
            int[] prompt = tok.encode(p.prompt(), true, false);
            int[] full = tok.encode(p.prompt() + p.answer(), true, true);
            if (full.length > context + 1) {
                throw new IllegalArgumentException(p.split() + " question " + p.idx() + " needs " + (full.length - 1)
                        + " positions, more than the model context " + context);
            }
            seqs[r] = full;
            answerStart[r] = prompt.length;
            len = Math.max(len, full.length - 1);
        }
        TokenBatch b = new TokenBatch(seqs.length, len);
        for (int r = 0; r < seqs.length; r++) {
            int[] s = seqs[r];
            for (int i = 0; i + 1 < s.length; i++) {
                int at = r * len + i;
                b.inputs[at] = s[i];
                b.targets[at] = s[i + 1];
                b.positionMask[at] = 1f;
                // Target i is token i+1: an answer token when i+1 >= start of the answer.
                b.answerMask[at] = i + 1 >= answerStart[r] ? 1f : 0f;
            }
        }
        return b;
    }

    NDArray inputs(NDManager m) {
        return m.create(inputs, new Shape(rows, length));
    }

    NDArray targets(NDManager m) {
        return m.create(targets, new Shape(rows, length, 1));
    }

    NDArray answerMask(NDManager m) {
        return m.create(answerMask, new Shape(rows, length));
    }

    NDArray positionMask(NDManager m) {
        return m.create(positionMask, new Shape(rows, length));
    }

    /** Number of answer targets in row r. */
    int answerTokens(int r) {
        int c = 0;
        for (int i = 0; i < length; i++) {
            c += (int) answerMask[r * length + i];
        }
        return c;
    }
}
