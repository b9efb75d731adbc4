/**
 * JMH benchmarks of the bounds library: the cost of adding one score to a {@link
 * dev.probeval.core.bounds.ScoreAccumulator} and recomputing every metric, per mode. Run with
 * {@code benchmarks/run-bounds.sh}, which times the numpy reference method in the same run.
 */
package dev.probeval.benchmarks.bounds;
