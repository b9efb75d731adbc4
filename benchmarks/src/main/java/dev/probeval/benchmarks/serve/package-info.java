/**
 * The serving benchmarks: the sampling engine alone against {@code probeval serve} over loopback HTTP (one call per
 * request, one call per sample with concurrency) on the same model, seeds and process.
 */
package dev.probeval.benchmarks.serve;
