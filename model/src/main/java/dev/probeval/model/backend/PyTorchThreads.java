package dev.probeval.model.backend;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The serving commands' default for PyTorch's intra-op threads ({@code ai.djl.pytorch.num_threads}, read once when
 * DJL loads the engine): one per core but one, at least one, so the process's other threads (Kafka clients, HTTP,
 * scoring) keep a core instead of preempting PyTorch mid-step. {@code worker} and {@code serve} apply it; the lab
 * fixes the count while it trains ({@link #setIntraOp}, its config's {@code threads}, default 2) so its checkpoints are
 * bit-reproducible, and training's larger matmuls use every core (on 2 cores the lab's base model trained its 600 steps
 * in 91 s with one thread and 50 s with two).
 *
 * <p>Measured on 2 cores (docs/benchmarks.md, "PyTorch threads"): stories260K decoded 9,202 tokens/s with one thread and
 * 6,152-7,368 with two, and the in-process worker end to end ran at 0.95-0.99x the engine's speed with one thread
 * but 0.80-0.87x with two. A model that costs more per token gains from every core; set the property to override.
 */
public final class PyTorchThreads {
    /** The system property DJL's PyTorch engine reads for its intra-op thread count. */
    public static final String PROPERTY = "ai.djl.pytorch.num_threads";

    private PyTorchThreads() {}

    /** {@code max(1, cores - 1)}. */
    public static int defaultFor(int cores) {
        return Math.max(1, cores - 1);
    }

    /**
     * Sets {@link #PROPERTY} to {@link #defaultFor} this machine's cores unless it is already set; call before the
     * first model loads. Returns the value in force.
     */
    public static String applyDefault() {
        String set = System.getProperty(PROPERTY);
        if (set != null && !set.isBlank()) {
            return set;
        }
        String value = Integer.toString(defaultFor(Runtime.getRuntime().availableProcessors()));
        System.setProperty(PROPERTY, value);
        return value;
    }

    /**
     * Sets PyTorch's intra-op thread count of this process to {@code threads} now (loading the engine if needed) and
     * returns the count in force before, so a caller can restore it. Training that must be bit-reproducible fixes the
     * count this way: CPU reductions (matmul, sums) split their work by thread, so a different count rounds
     * differently, and the count DJL would pick follows the machine's cores or the {@link #PROPERTY} a user set.
     */
    public static int setIntraOp(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("PyTorch threads must be >= 1, got " + threads);
        }
        Engine.getEngine("PyTorch");
        int before = JniUtils.getNumThreads();
        if (before != threads) {
            JniUtils.setNumThreads(threads);
        }
        return before;
    }

    /** PyTorch's intra-op thread count in force (loading the engine if needed). */
    public static int intraOp() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
