package dev.probeval.core.bounds;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds over a suite of Q prompts that hold for all prompts at once (paper-spec §8.2): each prompt's bounds are
 * computed at α/Q (Bonferroni), so with probability ≥ 1−α every per-prompt bound holds simultaneously, and hence so
 * do the mean of the per-prompt M_μ (an upper bound on the average expected score), the maximum M_μ and M_bin, and
 * the counts of prompts certainly above or possibly above each threshold.
 *
 * @param prompts Q
 * @param alpha the suite-level miscoverage α
 * @param perPromptAlpha α/Q
 * @param meanMu mean over prompts of M_μ at α/Q
 * @param maxMu maximum over prompts of M_μ at α/Q
 * @param maxBin maximum over prompts of M_bin at α/Q
 * @param certainlyAbove threshold t → #{prompts whose lower bound on E[X] exceeds t}
 * @param possiblyAbove threshold t → #{prompts whose M_μ exceeds t}
 * @param perPrompt the per-prompt reports at α/Q, in input order
 */
public record SuiteBounds(
        int prompts,
        double alpha,
        double perPromptAlpha,
        double meanMu,
        double maxMu,
        double maxBin,
        Map<Double, Integer> certainlyAbove,
        Map<Double, Integer> possiblyAbove,
        List<BoundReport> perPrompt) {

    /** Simultaneous bounds over the given prompts; cfg.alpha() is the suite-level α, thresholds come from cfg. */
    public static SuiteBounds compute(List<ScoreAccumulator> prompts, BoundConfig cfg) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a suite needs at least one prompt");
        }
        int q = prompts.size();
        BoundConfig per = cfg.withAlpha(cfg.alpha() / q);
        List<BoundReport> reports = new ArrayList<>(q);
        double sumMu = 0;
        double maxMu = 0;
        double maxBin = 0;
        Map<Double, Integer> certain = new LinkedHashMap<>();
        Map<Double, Integer> possible = new LinkedHashMap<>();
        for (double t : cfg.thresholds()) {
            certain.put(t, 0);
            possible.put(t, 0);
        }
        for (ScoreAccumulator acc : prompts) {
            BoundReport r = Bounds.compute(acc, per);
            reports.add(r);
            sumMu += r.mMu();
            maxMu = Math.max(maxMu, r.mMu());
            maxBin = Math.max(maxBin, r.mBin());
            for (double t : cfg.thresholds()) {
                if (r.mMuLower() > t) {
                    certain.merge(t, 1, Integer::sum);
                }
                if (r.mMu() > t) {
                    possible.merge(t, 1, Integer::sum);
                }
            }
        }
        return new SuiteBounds(q, cfg.alpha(), per.alpha(), sumMu / q, maxMu, maxBin, certain, possible, reports);
    }
}
