/**
 * Early-stopping benchmark on the unlearning lab's model versions: samples drawn with anytime-valid early
 * stopping against a fixed n, decisions compared, wall-clock of a real chunked early-stopped run.
 */
package dev.probeval.benchmarks.early;
