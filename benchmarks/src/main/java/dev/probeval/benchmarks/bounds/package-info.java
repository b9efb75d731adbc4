/**
 * Per-sample cost of the incremental bounds library (update one accumulator, recompute every metric) in each mode,
 * measured beside the reference method (numpy recompute from the whole array) by {@code benchmarks/run-bounds.sh}.
 */
package dev.probeval.benchmarks.bounds;
