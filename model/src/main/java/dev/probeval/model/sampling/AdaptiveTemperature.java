package dev.probeval.model.sampling;

/**
 * Adaptive temperature scaling (paper-spec §4.4, the rule of Leak@k's {@code generate_with_adaptive_temperature}):
 * at each step take p_max, the top-token probability of the untempered next-token distribution; form the
 * confidence statistic — the running mean of p_max over this sample's steps so far, the current step included
 * ({@link Statistic#RUNNING_MEAN}, default), or p_max of the current step alone ({@link Statistic#CURRENT_STEP}) —
 * and decode the step greedily when the statistic is strictly above the threshold c_T, else sample with the nominal
 * temperature, top-k and top-p.
 *
 * @param threshold c_T in [0, 1]; the paper-spec default is 0.9
 * @param statistic which confidence statistic is compared with c_T
 */
public record AdaptiveTemperature(double threshold, Statistic statistic) {
    /** The spec's default threshold c_T. */
    public static final double DEFAULT_THRESHOLD = 0.9;

    /** Which confidence statistic is compared with the threshold. */
    public enum Statistic {
        RUNNING_MEAN,
        CURRENT_STEP
    }

    public AdaptiveTemperature {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("adaptive-temperature threshold must lie in [0, 1], got " + threshold);
        }
        if (statistic == null) {
            throw new IllegalArgumentException("adaptive-temperature statistic is required");
        }
    }

    /** The default rule: running mean against c_T = {@code threshold}. */
    public static AdaptiveTemperature runningMean(double threshold) {
        return new AdaptiveTemperature(threshold, Statistic.RUNNING_MEAN);
    }
}
