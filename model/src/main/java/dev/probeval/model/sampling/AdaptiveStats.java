package dev.probeval.model.sampling;

/**
 * What adaptive temperature did for one sample, reported with it so an evaluation states exactly what decoding
 * produced it: the rule, how many steps were decoded greedily vs. sampled, and the mean top-token probability.
 */
public record AdaptiveStats(
        double threshold,
        AdaptiveTemperature.Statistic statistic,
        int greedySteps,
        int sampledSteps,
        double meanTopProbability) {}
