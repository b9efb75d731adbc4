package dev.probeval.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.probeval.model.gpt.GptModel;

/**
 * The unlearning losses of paper-spec §4 on the small GPT, as NDArray expressions so DJL differentiates them.
 * One {@link Forward} per batch gives both the answer NLL and the entropy from the same logits, as the reference
 * takes the entropy from the forward pass that computes the unlearning loss (§4.2).
 */
final class Losses {
    private Losses() {}

    /** The logits of one batch and what the losses read from them. */
    static final class Forward {
        final TokenBatch batch;
        final NDArray logp;
        final NDArray answerMask;
        final NDArray positionMask;
        private final NDManager m;

        Forward(GptModel model, NDManager m, TokenBatch batch) {
            this.batch = batch;
            this.m = m;
            this.logp = model.logits(batch.inputs(m)).logSoftmax(-1);
            this.answerMask = batch.answerMask(m);
            this.positionMask = batch.positionMask(m);
        }

        /** ℓ(x): summed answer-token NLL per sequence, shape [b] (the reference's {@code compute_batch_loss}). */
        NDArray summedNll() {
            NDArray picked = logp.gather(batch.targets(m), 2).reshape(batch.rows, batch.length);
            return picked.mul(answerMask).sum(new int[] {1}).neg();
        }

        /** L_NLL: mean over all answer tokens of the batch (Hugging Face's causal-LM loss). */
        NDArray meanNll() {
            return summedNll().sum().div(answerMask.sum());
        }

        /**
         * H̄ over real positions: mean of −Σ_v p_v log p_v over the full vocabulary (§4.2) at every real position,
         * question and answer; {@link #entropy} with {@code answerOnly = false, paddedLength = 0}.
         */
        NDArray meanEntropy() {
            return entropy(false, 0);
        }

        /**
         * H̄, the full-vocabulary entropy −Σ_v p_v log p_v summed over the chosen positions (the answer targets' positions
         * if {@code answerOnly}, else every real position, question and answer) and divided either by the number of
         * those positions ({@code paddedLength} 0) or by rows × {@code paddedLength}: the reference averages over a batch
         * right-padded to a fixed length (256), so a real position weighs 1/(rows × 256) whatever the batch. We pad
         * only to the longest row and leave the padding out of the sum (its entropy is an artefact of batching); the
         * divisor is what the reference's mean amounts to for the real positions.
         */
        NDArray entropy(boolean answerOnly, int paddedLength) {
            NDArray h = logp.exp().mul(logp).sum(new int[] {2}).neg();
            NDArray mask = answerOnly ? answerMask : positionMask;
            NDArray sum = h.mul(mask).sum();
            return paddedLength > 0 ? sum.div((float) batch.rows * paddedLength) : sum.div(mask.sum());
        }
    }

    /** Gradient ascent: −L_NLL(forget) (§4.1). */
    static NDArray gradientAscent(Forward forget) {
        return forget.meanNll().neg();
    }

    /** Gradient difference: λ·L_NLL(retain) − L_NLL(forget) (§4.1). */
    static NDArray gradientDifference(Forward forget, Forward retain, double retainWeight) {
        return retain.meanNll().mul((float) retainWeight).sub(forget.meanNll());
    }

    /**
     * The NPO term −(2/β)·mean_x log σ(β·(ℓ_θ(x) − ℓ_ref(x))) (§4.1), ℓ the summed answer NLL, from per-sequence
     * NLLs of the trained model ({@code nll}, shape [b]) and of the frozen reference ({@code refNll}, same shape).
     * log σ(z) is computed as −softplus(−z) for stability.
     */
    static NDArray npoTerm(NDArray nll, NDArray refNll, double beta) {
        NDArray z = nll.sub(refNll).mul((float) beta);
        NDArray logSigmoid = softplus(z.neg()).neg();
        return logSigmoid.mean().mul((float) (-2.0 / beta));
    }

    /** softplus(x) = max(x, 0) + log(1 + e^{−|x|}). */
    static NDArray softplus(NDArray x) {
        return x.maximum(0f).add(x.abs().neg().exp().add(1f).log());
    }

    /**
     * The entropy-optimisation term λ_f·H̄(forget) − λ_r·H̄(retain) (§4.2, the paper's convention with λ_r &gt; 0;
     * the reference code writes the same term as + λ_r'·H̄ with λ_r' = −λ_r): lowers entropy on forget queries and
     * keeps it up on retain queries.
     */
    static NDArray entropyTerm(NDArray forgetEntropy, NDArray retainEntropy, double lambdaForget, double lambdaRetain) {
        return forgetEntropy.mul((float) lambdaForget).sub(retainEntropy.mul((float) lambdaRetain));
    }
}
