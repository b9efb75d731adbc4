/**
 * The sampler worker: consumes evaluation requests in a consumer group, draws the greedy baseline and n samples per
 * request in chunks through a {@link dev.probeval.model.backend.SamplingBackend}, scores them with core's scorers
 * and produces scored samples and their input offsets in one Kafka transaction per chunk.
 */
package dev.probeval.worker;
