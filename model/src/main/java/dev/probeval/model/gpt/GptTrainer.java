package dev.probeval.model.gpt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import java.util.List;

/**
 * Trains a {@link GptModel} with AdamW and a cosine (or linear, {@link Schedule}) learning-rate schedule after a
 * linear warm-up. The loss is
 * whatever an {@link Objective} builds from the model's logits (next-token NLL via {@link #nextTokenNll}, or a
 * caller's own: gradient ascent, entropy terms), so unlearning methods reuse the same loop.
 */
public final class GptTrainer {
    /** Builds a scalar loss inside the given per-step manager (call {@link GptModel#logits} with arrays from it). */
    @FunctionalInterface
    public interface Objective {
        NDArray loss(NDManager step);
    }

    /**
     * A loss given as a sum of terms, so {@link #termGradNorms} can report each term's gradient norm: the terms are
     * built in one forward pass inside the given manager; the loss is their sum.
     */
    @FunctionalInterface
    public interface Terms {
        NDArray[] terms(NDManager step);
    }

    /**
     * Optimisation settings: peak learning rate, warm-up steps, total steps (the cosine decays to {@code minLr}
     * over {@code totalSteps - warmupSteps}), decoupled weight decay, Adam betas and ε.
     */
    public record Config(
            float learningRate,
            float minLearningRate,
            int warmupSteps,
            int totalSteps,
            float weightDecay,
            float beta1,
            float beta2,
            float epsilon,
            Schedule schedule) {
        public Config {
            if (!(learningRate > 0)
                    || minLearningRate < 0
                    || warmupSteps < 0
                    || totalSteps <= warmupSteps
                    || schedule == null) {
                throw new IllegalArgumentException(
                        "need lr > 0, min lr >= 0, 0 <= warm-up < total steps, a schedule: " + this);
            }
        }

        /** A cosine schedule (the decay before schedules were configurable). */
        public Config(
                float learningRate,
                float minLearningRate,
                int warmupSteps,
                int totalSteps,
                float weightDecay,
                float beta1,
                float beta2,
                float epsilon) {
            this(
                    learningRate,
                    minLearningRate,
                    warmupSteps,
                    totalSteps,
                    weightDecay,
                    beta1,
                    beta2,
                    epsilon,
                    Schedule.COSINE);
        }

        /** Common defaults for small models: decay to lr/10, weight decay 0.01, betas (0.9, 0.95), ε 1e-8. */
        public static Config of(float learningRate, int warmupSteps, int totalSteps) {
            return new Config(learningRate, learningRate / 10, warmupSteps, totalSteps, 0.01f, 0.9f, 0.95f, 1e-8f);
        }
    }

    /** The learning rate after the linear warm-up. */
    public enum Schedule {
        /** Cosine from lr to {@code minLearningRate} over the remaining steps. */
        COSINE,
        /**
         * Linear from lr to 0 over the remaining steps (Hugging Face's {@code get_linear_schedule_with_warmup}, the
         * reference's): step n after the warm-up W of T steps uses lr·(T − n + 1)/(T − W); {@code minLearningRate} is
         * not used.
         */
        LINEAR
    }

    private final GptModel model;
    private final Optimizer optimizer;
    private final List<Parameter> params;
    private int steps;
    private float maxGradNorm = Float.POSITIVE_INFINITY;
    private float lastGradNorm = Float.NaN;

    public GptTrainer(GptModel model, Config config) {
        this.model = model;
        Tracker lr = config.schedule() == Schedule.LINEAR ? linear(config) : cosine(config);
        this.optimizer = Optimizer.adamW()
                .optLearningRateTracker(lr)
                .optBeta1(config.beta1())
                .optBeta2(config.beta2())
                .optEpsilon(config.epsilon())
                .optWeightDecays(config.weightDecay())
                .build();
        this.params = model.parameterList();
        for (Parameter p : params) {
            p.getArray().setRequiresGradient(true);
        }
    }

    /**
     * Linear warm-up from 0 (step n ≤ W gets lr·n/W) then linear decay to 0: step n &gt; W gets lr·(T − n + 1)/(T − W),
     * so the first step after the warm-up uses lr and the last lr/(T − W). The optimiser counts updates from 1.
     */
    static Tracker linear(Config c) {
        float lr = c.learningRate();
        int w = c.warmupSteps();
        int t = c.totalSteps();
        return n -> n <= w ? lr * n / w : lr * Math.max(0, t - n + 1) / (t - w);
    }

    private static Tracker cosine(Config config) {
        Tracker cosine = Tracker.cosine()
                .setBaseValue(config.learningRate())
                .optFinalValue(config.minLearningRate())
                .setMaxUpdates(config.totalSteps() - config.warmupSteps())
                .build();
        Tracker lr = config.warmupSteps() == 0
                ? cosine
                : Tracker.warmUp()
                        .setMainTracker(cosine)
                        .optWarmUpSteps(config.warmupSteps())
                        .optWarmUpBeginValue(0f)
                        .optWarmUpMode(WarmUpTracker.Mode.LINEAR)
                        .build();
        return lr;
    }

    public int stepsDone() {
        return steps;
    }

    /**
     * Clips the global L2 norm of the gradient to {@code norm} before each update (Hugging Face Trainer's
     * {@code max_grad_norm}, default 1.0 there; off here unless set). Unlearning by gradient ascent has an unbounded
     * objective, so without clipping one step can wreck the model.
     */
    public GptTrainer setMaxGradNorm(float norm) {
        if (!(norm > 0)) {
            throw new IllegalArgumentException("max gradient norm must be > 0, got " + norm);
        }
        this.maxGradNorm = norm;
        return this;
    }

    /** Global L2 norm of the last step's gradient, before clipping (NaN before the first step). */
    public float lastGradNorm() {
        return lastGradNorm;
    }

    /**
     * The global L2 norm of each term's gradient at the current parameters, without an update: per term, its own
     * forward pass (building every term, as {@code objective} does) and one backward pass of that term alone, then the
     * gradient is read and cleared. Costs one forward and one backward per term; the following {@link #step} on the
     * terms' sum is unaffected (same gradient, same update), so logging the norms leaves the trained weights
     * bit-identical.
     */
    public float[] termGradNorms(Terms objective) {
        float[] norms = null;
        for (int k = 0; norms == null || k < norms.length; k++) {
            try (NDManager step = model.manager().newSubManager()) {
                NDArray[] terms;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    terms = objective.terms(step);
                    gc.backward(terms[k]);
                }
                if (norms == null) {
                    norms = new float[terms.length];
                }
                NDArray sq = null;
                for (Parameter p : params) {
                    NDArray g = p.getArray().getGradient();
                    g.attach(step);
                    NDArray s = g.square().sum();
                    sq = sq == null ? s : sq.add(s);
                }
                norms[k] = sq == null ? 0f : (float) Math.sqrt(sq.getFloat());
                for (Parameter p : params) {
                    NDArray g = p.getArray().getGradient();
                    g.attach(step);
                    g.muli(0);
                }
            }
        }
        return norms;
    }

    /** One optimisation step on the objective; returns the loss before the update. */
    public float step(Objective objective) {
        float value;
        try (NDManager step = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = objective.loss(step);
                gc.backward(loss);
                value = loss.getFloat();
            }
            NDArray[] grads = new NDArray[params.size()];
            for (int i = 0; i < grads.length; i++) {
                grads[i] = params.get(i).getArray().getGradient();
                grads[i].attach(step);
            }
            update(grads);
        }
        steps++;
        return value;
    }

    /** Clips {@code grads} (one per parameter) to the global norm, applies the optimiser, and zeroes them after. */
    private void update(NDArray[] grads) {
        NDArray sq = null;
        for (NDArray g : grads) {
            NDArray s = g.square().sum();
            sq = sq == null ? s : sq.add(s);
        }
        // One host copy per step for the global norm, not one per parameter array.
        lastGradNorm = sq == null ? 0f : (float) Math.sqrt(sq.getFloat());
        float scale = lastGradNorm > maxGradNorm ? maxGradNorm / (lastGradNorm + 1e-6f) : 1f;
        for (int i = 0; i < grads.length; i++) {
            Parameter p = params.get(i);
            NDArray w = p.getArray();
            NDArray g = grads[i];
            optimizer.update(p.getName(), w, scale == 1f ? g : g.mul(scale));
            // PyTorch accumulates gradients: clear them for the next step.
            g.muli(0);
        }
    }

    /** One step of mean next-token NLL over the given token sequences (see {@link #nextTokenNll}). */
    public float trainStep(List<int[]> sequences) {
        return step(m -> nextTokenNll(model, m, sequences));
    }

    /**
     * Mean next-token negative log-likelihood of a batch of token sequences (each at least 2 tokens): sequences are
     * right-padded to the longest, padded targets are masked out.
     */
    public static NDArray nextTokenNll(GptModel model, NDManager m, List<int[]> sequences) {
        int b = sequences.size();
        int len = 0;
        for (int[] s : sequences) {
            if (s.length < 2) {
                throw new IllegalArgumentException("training sequences need at least 2 tokens");
            }
            len = Math.max(len, Math.min(s.length, model.maxContext() + 1));
        }
        int t = len - 1;
        int[] in = new int[b * t];
        long[] target = new long[b * t];
        float[] mask = new float[b * t];
        for (int r = 0; r < b; r++) {
            int[] s = sequences.get(r);
            for (int i = 0; i < t; i++) {
                if (i + 1 < s.length) {
                    in[r * t + i] = s[i];
                    target[r * t + i] = s[i + 1];
                    mask[r * t + i] = 1f;
                }
            }
        }
        NDArray logits = model.logits(m.create(in, new Shape(b, t)));
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(m.create(target, new Shape(b, t, 1)), 2).reshape(b, t);
        NDArray maskArr = m.create(mask, new Shape(b, t));
        return picked.mul(maskArr).sum().neg().div(maskArr.sum());
    }

    /** Ids of a text for training: BOS + bytes + EOS. */
    public static int[] trainingTokens(GptModel model, String text) {
        return model.tokenizer().encode(text, true, true);
    }
}
