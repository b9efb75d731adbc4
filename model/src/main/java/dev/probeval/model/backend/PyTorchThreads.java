package dev.probeval.model.backend;

/**
 * The serving commands' default for PyTorch's intra-op threads ({@code ai.djl.pytorch.num_threads}, read once when
 * DJL loads the engine): one per core but one, at least one, so the process's other threads (Kafka clients, HTTP,
 * scoring) keep a core instead of preempting PyTorch mid-step. {@code worker} and {@code serve} apply it; training and
 * the demo keep DJL's default of one per core, because training's larger matmuls use every core (on 2 cores the lab's
 * base model trained its 600 steps in 91 s with one thread and 50 s with two).
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
}
