package dev.probeval.core.scoring;

import java.util.List;

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
