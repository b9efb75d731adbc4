package dev.probeval.core.scoring;

import java.util.List;
import java.util.Optional;

/** Builds scorers from metric names: the one entry point other modules need. */
public final class Scorers {

    private Scorers() {}

    /**
     * The scorer for a metric name ({@code rougeL_recall|rougeL_precision|rougeL_f1|rouge1_recall|rouge1_precision|
     * rouge1_f1|exact|contains|regex}).
     *
     * @throws IllegalArgumentException naming the valid metrics, for an unknown name
     */
    public static Scorer create(String metric) {
        return Metric.fromName(metric).newScorer();
    }

    /** The scorer a spec describes (prefix stripping, metric, leak threshold). */
    public static Scorer create(ScorerSpec spec) {
        return spec.build();
    }

    /** The scorer for a metric name with a leak threshold τ and prefixes to strip. */
    public static Scorer create(String metric, Double leakThreshold, List<String> stripPrefixes) {
        return new ScorerSpec(metric, leakThreshold, stripPrefixes).build();
    }

    /** The valid metric names. */
    public static List<String> metricNames() {
        return Metric.names();
    }

    /**
     * The canonical name of a metric given by name or alias ({@code exact_match} → {@code exact}), case ignored.
     *
     * @throws IllegalArgumentException naming the valid metrics, if there is none
     */
    public static String canonicalName(String metric) {
        return Metric.fromName(metric).metricName();
    }

    /**
     * What makes {@code reference} unusable with {@code metric}, in one line, or empty if nothing does: for
     * {@code regex} a pattern that RE2 cannot compile (backreferences and lookaround are not RE2 syntax), one longer
     * than {@value RegexScorer#MAX_PATTERN_CHARS} chars, or one whose counted repetitions expand beyond
     * {@value RegexScorer#MAX_EXPANDED_SIZE} atoms; every reference is usable with the other metrics. Meant for request
     * validation, so a bad reference is refused before any sample is drawn. The message quotes at most the first 100
     * chars of the reference.
     *
     * @throws IllegalArgumentException naming the valid metrics, for an unknown metric
     * @throws NullPointerException if {@code reference} is null
     */
    public static Optional<String> referenceProblem(String metric, String reference) {
        java.util.Objects.requireNonNull(reference, "reference");
        return Metric.fromName(metric) == Metric.REGEX ? RegexScorer.problem(reference) : Optional.empty();
    }

    /** Whether {@code metric} names a known metric or alias. */
    public static boolean isKnown(String metric) {
        try {
            Metric.fromName(metric);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
