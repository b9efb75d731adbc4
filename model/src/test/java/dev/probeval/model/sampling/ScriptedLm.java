package dev.probeval.model.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.probeval.model.CausalLm;
import dev.probeval.model.KvCache;
import dev.probeval.model.TextTokenizer;
import java.util.function.IntFunction;

/**
 * Test double at the {@link CausalLm} seam: the next-token logits depend only on the position, given by a script,
 * so a test controls the top-token probability of every step. Tokens are letters a, b, c, ...; the last one ends.
 */
final class ScriptedLm implements CausalLm {
    private final int vocab;
    private final IntFunction<float[]> logitsAtPosition;
    private final NDManager root = NDManager.newBaseManager(Device.cpu());

    private final boolean lastTokenEnds;

    ScriptedLm(int vocab, IntFunction<float[]> logitsAtPosition) {
        this(vocab, logitsAtPosition, true);
    }

    ScriptedLm(int vocab, IntFunction<float[]> logitsAtPosition, boolean lastTokenEnds) {
        this.vocab = vocab;
        this.lastTokenEnds = lastTokenEnds;
        this.logitsAtPosition = logitsAtPosition;
    }

    /** Logits over {@code vocab} tokens whose softmax puts {@code pTop} on token 0 and the rest evenly elsewhere. */
    static float[] withTopProbability(int vocab, double pTop) {
        float[] l = new float[vocab];
        double rest = (1 - pTop) / (vocab - 1);
        l[0] = (float) Math.log(pTop);
        for (int i = 1; i < vocab; i++) {
            l[i] = (float) Math.log(rest);
        }
        return l;
    }

    @Override
    public NDArray forward(NDArray tokens, KvCache cache) {
        int b = (int) tokens.getShape().get(0);
        int t = (int) tokens.getShape().get(1);
        float[] out = new float[b * t * vocab];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                // logits at position pos predict the token at pos + 1
                System.arraycopy(logitsAtPosition.apply(cache.length() + i), 0, out, (r * t + i) * vocab, vocab);
            }
        }
        cache.advance(t);
        return tokens.getManager().create(out, new Shape(b, t, vocab));
    }

    @Override
    public TextTokenizer tokenizer() {
        return new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean bos, boolean eos) {
                return text.chars().map(c -> c - 'a').toArray();
            }

            @Override
            public String decode(int[] tokens, int previousToken) {
                StringBuilder sb = new StringBuilder();
                for (int t : tokens) {
                    sb.append((char) ('a' + t));
                }
                return sb.toString();
            }

            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public int bosId() {
                return -1;
            }

            @Override
            public int eosId() {
                return vocab - 1;
            }
        };
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int maxContext() {
        return 1000;
    }

    @Override
    public int[] endTokenIds() {
        return lastTokenEnds ? new int[] {vocab - 1} : new int[0];
    }

    @Override
    public int layers() {
        return 0;
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public NDManager manager() {
        return root;
    }

    @Override
    public String describe() {
        return "scripted";
    }

    @Override
    public void close() {
        root.close();
    }
}
