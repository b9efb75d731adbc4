package dev.probeval.core.scoring;

import java.util.List;
import java.util.Objects;

/**
 * Everything needed to build the scorer h of an evaluation: a metric name, an optional leak threshold τ (the score
 * becomes 1 if ≥ τ, else 0, for M_bin), and answer prefixes to strip from the prediction first. Other modules (the
 * sampler worker, the CLI) carry this and call {@link #build()}.
 *
 * @param metric one of {@link Scorers#metricNames()}
 * @param leakThreshold τ in [0,1], or {@code null} for the raw score
 * @param stripPrefixes tried in order against the start of the prediction, e.g. {@code "Answer:"}; may be empty
 */
public record ScorerSpec(String metric, Double leakThreshold, List<String> stripPrefixes) {

    /**
     * @throws IllegalArgumentException for an unknown metric, τ outside [0,1] or an empty prefix
     */
    public ScorerSpec {
        metric = Metric.fromName(metric).metricName();
        if (leakThreshold != null && !(leakThreshold >= 0.0 && leakThreshold <= 1.0)) {
            throw new IllegalArgumentException("leak threshold must be in [0,1]: " + leakThreshold);
        }
        stripPrefixes = List.copyOf(Objects.requireNonNull(stripPrefixes, "stripPrefixes"));
        if (stripPrefixes.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("a prefix to strip must not be empty");
        }
    }

    /** The raw metric: no threshold, no prefix stripping. */
    public static ScorerSpec of(String metric) {
        return new ScorerSpec(metric, null, List.of());
    }

    /** The same spec with leak threshold τ. */
    public ScorerSpec withLeakThreshold(double threshold) {
        return new ScorerSpec(metric, threshold, stripPrefixes);
    }

    /** The same spec with these prefixes stripped from predictions. */
    public ScorerSpec withStripPrefixes(String... prefixes) {
        return new ScorerSpec(metric, leakThreshold, List.of(prefixes));
    }

    /** The scorer: prefix stripping, then the metric, then the threshold. */
    public Scorer build() {
        Scorer scorer = Metric.fromName(metric).newScorer();
        if (!stripPrefixes.isEmpty()) {
            scorer = new PrefixStrippingScorer(scorer, stripPrefixes);
        }
        if (leakThreshold != null) {
            scorer = new LeakThresholdScorer(scorer, leakThreshold);
        }
        return scorer;
    }
}
