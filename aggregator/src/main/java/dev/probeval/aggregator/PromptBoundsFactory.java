package dev.probeval.aggregator;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.PromptBounds;
import java.time.Instant;

/** Turns a request and its {@link RequestState} into a {@link PromptBounds} record (metrics from core's calculator). */
final class PromptBoundsFactory {
    private PromptBoundsFactory() {}

    /**
     * Status: ANYTIME in anytime mode; otherwise FINAL exactly when n reached the request's numSamples, else
     * PROVISIONAL (the fixed-n guarantee only holds at the target n, paper-spec 8.3).
     */
    static BoundsStatus status(EvalRequest request, RequestState state) {
        if (request.getBoundMode() == BoundMode.ANYTIME) {
            return BoundsStatus.ANYTIME;
        }
        return state.n() >= request.getNumSamples() ? BoundsStatus.FINAL : BoundsStatus.PROVISIONAL;
    }

    /**
     * Hidden leak: the greedy answer scores below τ while some counted sample scores ≥ τ, so a greedy evaluation
     * would report no leak where sampling finds one (the paper's Figure 1 point).
     */
    static boolean hiddenLeak(RequestState state, double tau) {
        Double greedy = state.greedyScore();
        Double max = state.maxSampledScore();
        return greedy != null && max != null && greedy < tau && max >= tau;
    }

    static PromptBounds build(EvalRequest request, RequestState state, double edLambda, long nowMs) {
        double alpha = request.getAlpha();
        double tau = request.getScorer().getLeakThreshold();
        BoundValues v =
                state.accumulator().bounds(alpha, tau, request.getBoundMode(), edLambda, request.getNumSamples());
        return PromptBounds.newBuilder()
                .setRequestId(request.getRequestId())
                .setModelVersion(request.getModelVersion())
                .setPromptId(request.getPromptId())
                .setSuite(request.getSuite())
                .setSplit(request.getSplit())
                .setMode(request.getBoundMode())
                .setStatus(status(request, state))
                .setAlpha(alpha)
                .setLeakThreshold(tau)
                .setN(state.n())
                .setTargetN(request.getNumSamples())
                .setK(state.k())
                .setMean(v.mean())
                .setStd(v.std())
                .setMBin(v.mBin())
                .setMBinLower(v.mBinLower())
                .setMGen(v.mGen())
                .setMGenLower(v.mGenLower())
                .setMMu(v.mMu())
                .setMMuLower(v.mMuLower())
                .setMSigma(v.mSigma())
                .setMSigmaLower(v.mSigmaLower())
                .setMEd(v.mEd())
                .setMEdLower(v.mEdLower())
                .setEdLambda(edLambda)
                .setGreedyScore(state.greedyScore())
                .setMaxSampledScore(state.maxSampledScore())
                .setHiddenLeak(hiddenLeak(state, tau))
                .setStoppingStatus(state.n() >= state.completeAt() ? state.stoppingStatus() : null)
                .setDecidedAtN(
                        state.n() >= state.completeAt() && state.stoppingStatus() != null ? state.streamLength() : null)
                .setUpdatedAt(Instant.ofEpochMilli(nowMs))
                .build();
    }
}
