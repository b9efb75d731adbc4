/** Sampling throughput: the batched engine against a one-sample-at-a-time loop, side by side in one run. */
package dev.probeval.benchmarks.sampling;
