package dev.probeval.aggregator;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundModes;
import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.util.List;

/**
 * Glue between the aggregator and core's bounds: wraps the per-request {@link ScoreAccumulator} (O(1) add,
 * serializable) and maps a request's (α, τ, mode) onto core's {@link BoundConfig}. The aggregator does no bounds math
 * of its own beyond the one line noted in {@link #bounds}.
 */
final class RequestAccumulator {
    private final ScoreAccumulator acc;

    private RequestAccumulator(ScoreAccumulator acc) {
        this.acc = acc;
    }

    static RequestAccumulator empty() {
        return new RequestAccumulator(new ScoreAccumulator());
    }

    void add(double score) {
        acc.add(score);
    }

    long n() {
        return acc.n();
    }

    byte[] toBytes() {
        return acc.toBytes();
    }

    static RequestAccumulator fromBytes(byte[] b) {
        return new RequestAccumulator(ScoreAccumulator.fromBytes(b));
    }

    /** Core's config for a request: α, mode, τ (also the one M_gen threshold), λ, and ANYTIME tuned at the target n. */
    static BoundConfig config(double alpha, double tau, BoundMode mode, double lambda, int targetN) {
        return new BoundConfig(
                alpha,
                BoundModes.toCore(mode),
                tau,
                List.of(tau),
                lambda,
                BoundConfig.ConboSigmaConvention.DOC,
                Math.max(1, targetN));
    }

    /**
     * Every metric at failure probability {@code alpha}, leak threshold {@code tau}, in {@code mode}; the vacuous bounds
     * when no sample was counted yet. The one piece of arithmetic here: M_gen's lower bound, which core's report does not
     * carry, is the empirical P(X &gt; τ) minus the report's band half-width ε, clipped at 0 (the other side of the same
     * DKW band as M_gen, paper-spec 1.3).
     */
    BoundValues bounds(double alpha, double tau, BoundMode mode, double lambda, int targetN) {
        if (acc.n() == 0) {
            return BoundValues.vacuous(lambda);
        }
        BoundReport r = Bounds.compute(acc, config(alpha, tau, mode, lambda, targetN));
        double survival = 1.0 - (double) acc.countAtMost(tau) / acc.n();
        double mGenLower = Math.max(0.0, survival - r.eps());
        return new BoundValues(
                r.mBin(),
                r.mBinLower(),
                r.mGen().get(tau),
                mGenLower,
                r.mMu(),
                r.mMuLower(),
                r.mSigma(),
                r.mSigmaLower(),
                r.mEd(),
                r.mMuLower() + lambda * r.mSigmaLower(),
                r.mean(),
                r.std());
    }

    /** Only M_μ (the suite bound needs it at α/Q for every prompt of a group); 1 (vacuous) when n = 0. */
    double mMu(double alpha, BoundMode mode, int targetN) {
        if (acc.n() == 0) {
            return 1.0;
        }
        return Bounds.compute(acc, config(alpha, 0.5, mode, 1.0, targetN)).mMu();
    }
}
