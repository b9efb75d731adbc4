package dev.probeval.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.probeval.model.CausalLm;
import dev.probeval.model.KvCache;
import dev.probeval.model.TextTokenizer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model that tells a test what the server did with it: how many prompts it tokenized, how many forward passes it
 * ran and the length of each prompt it read; its forward pass number {@link #holdAt} waits at a gate, and the passes
 * after it may be slowed down.
 */
final class ProbeLm implements CausalLm {
    final CausalLm inner;
    final AtomicInteger encodes = new AtomicInteger();
    final AtomicInteger forwards = new AtomicInteger();
    /** Token counts of the prompts read (forward passes over one row of more than one token). */
    final List<Integer> prefills = new CopyOnWriteArrayList<>();
    /** The forward pass (counting from 1) that waits for {@link #release}; 0 = none. */
    final int holdAt;

    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    /** How long each pass after the held one takes at least (0 = no slower than the model). */
    volatile long slowMillis;

    private final TextTokenizer tokenizer;

    ProbeLm(CausalLm inner, int holdAt) {
        this.inner = inner;
        this.holdAt = holdAt;
        TextTokenizer t = inner.tokenizer();
        this.tokenizer = new TextTokenizer() {
            @Override
            public int[] encode(String text, boolean bos, boolean eos) {
                encodes.incrementAndGet();
                return t.encode(text, bos, eos);
            }

            @Override
            public String decode(int[] tokens, int previousToken) {
                return t.decode(tokens, previousToken);
            }

            @Override
            public int vocabSize() {
                return t.vocabSize();
            }

            @Override
            public int bosId() {
                return t.bosId();
            }

            @Override
            public int eosId() {
                return t.eosId();
            }
        };
    }

    @Override
    public NDArray forward(NDArray tokens, KvCache cache) {
        int k = forwards.incrementAndGet();
        long[] shape = tokens.getShape().getShape();
        if (shape[0] == 1 && shape[1] > 1) {
            prefills.add((int) shape[1]);
        }
        try {
            if (k == holdAt) {
                held.countDown();
                release.await(60, TimeUnit.SECONDS);
            } else if (holdAt > 0 && k > holdAt && slowMillis > 0) {
                Thread.sleep(slowMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return inner.forward(tokens, cache);
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return inner.vocabSize();
    }

    @Override
    public int maxContext() {
        return inner.maxContext();
    }

    @Override
    public int[] endTokenIds() {
        return inner.endTokenIds();
    }

    @Override
    public int layers() {
        return inner.layers();
    }

    @Override
    public Device device() {
        return inner.device();
    }

    @Override
    public NDManager manager() {
        return inner.manager();
    }

    @Override
    public String describe() {
        return "probed " + inner.describe();
    }

    @Override
    public void close() {
        // the shared model is closed once, after all tests
    }
}
