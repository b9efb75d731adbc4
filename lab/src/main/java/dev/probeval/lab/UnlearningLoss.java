package dev.probeval.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.gpt.GptTrainer;
import java.util.List;

/**
 * One unlearning objective (paper-spec §4): a baseline (GA, GD, NPO) and optionally the entropy-optimisation term,
 * as a {@link GptTrainer.Objective} over a fixed pair of forget/retain batches. The forward passes needed are
 * exactly the reference's: forget always, retain for GD and NPO (their retain term) and for the entropy term.
 */
final class UnlearningLoss implements GptTrainer.Objective {
    private final GptModel model;
    private final Method method;
    private final boolean entropy;
    private final LabConfig.Unlearn cfg;
    private final TokenBatch forget;
    private final TokenBatch retain;
    private final float[] refForgetNll;
    /** Components of the last evaluation: baseline loss, H̄(forget), H̄(retain) (NaN when not computed). */
    double lastBase = Double.NaN;

    double lastForgetEntropy = Double.NaN;
    double lastRetainEntropy = Double.NaN;

    /**
     * @param refForgetNll ℓ_ref(x) of the forget rows under the frozen reference (needed by NPO only; may be null
     *     otherwise)
     */
    UnlearningLoss(
            GptModel model,
            Method method,
            boolean entropy,
            LabConfig.Unlearn cfg,
            TokenBatch forget,
            TokenBatch retain,
            float[] refForgetNll) {
        if (method == Method.NPO && (refForgetNll == null || refForgetNll.length != forget.rows)) {
            throw new IllegalArgumentException("NPO needs one reference NLL per forget row");
        }
        this.model = model;
        this.method = method;
        this.entropy = entropy;
        this.cfg = cfg;
        this.forget = forget;
        this.retain = retain;
        this.refForgetNll = refForgetNll;
    }

    /**
     * The loss as its terms for {@link GptTrainer#termGradNorms}: the baseline alone, or with the entropy term
     * {@code [baseline, λ_f·H̄(forget), −λ_r·H̄(retain)]}, from the same forward passes as {@link #loss}.
     */
    NDArray[] terms(NDManager m) {
        NDArray[] parts = parts(m);
        if (!entropy) {
            return new NDArray[] {parts[0]};
        }
        return new NDArray[] {
            parts[0],
            parts[1].mul((float) cfg.lambdaForget()),
            parts[2].mul((float) cfg.lambdaRetain()).neg()
        };
    }

    @Override
    public NDArray loss(NDManager m) {
        NDArray[] parts = parts(m);
        if (!entropy) {
            return parts[0];
        }
        return parts[0].add(Losses.entropyTerm(parts[1], parts[2], cfg.lambdaForget(), cfg.lambdaRetain()));
    }

    /** Baseline, then (with the entropy term) H̄(forget) and H̄(retain); records the components. */
    private NDArray[] parts(NDManager m) {
        Losses.Forward f = new Losses.Forward(model, m, forget);
        boolean needRetain = entropy || method != Method.GA;
        Losses.Forward r = needRetain ? new Losses.Forward(model, m, retain) : null;
        NDArray base = switch (method) {
            case GA -> Losses.gradientAscent(f);
            case GD -> Losses.gradientDifference(f, r, cfg.gdRetainWeight());
            case NPO ->
                Losses.npoTerm(f.summedNll(), m.create(refForgetNll), cfg.npoBeta())
                        .add(r.meanNll().mul((float) cfg.npoRetainWeight()));
        };
        lastBase = base.getFloat();
        if (!entropy) {
            return new NDArray[] {base};
        }
        NDArray hf = entropy(f);
        NDArray hr = entropy(r);
        lastForgetEntropy = hf.getFloat();
        lastRetainEntropy = hr.getFloat();
        return new NDArray[] {base, hf, hr};
    }

    /** H̄ of one forward pass with the configured positions and normalisation. */
    private NDArray entropy(Losses.Forward fw) {
        boolean answerOnly = LabConfig.Unlearn.ANSWER.equals(cfg.entropyPositions());
        int padded = LabConfig.Unlearn.REFERENCE.equals(cfg.entropyNormalisation()) ? cfg.entropyPaddedLength() : 0;
        return fw.entropy(answerOnly, padded);
    }

    /** ℓ(x), the summed answer NLL of each pair under {@code model} (no gradient is recorded outside a collector). */
    static float[] summedNll(GptModel model, List<QaPair> pairs) {
        try (NDManager m = model.manager().newSubManager()) {
            TokenBatch b = TokenBatch.of(model.tokenizer(), pairs, model.maxContext());
            return new Losses.Forward(model, m, b).summedNll().toFloatArray();
        }
    }
}
