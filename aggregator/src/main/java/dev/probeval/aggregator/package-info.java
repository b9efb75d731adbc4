/**
 * The streaming aggregator: a Kafka Streams topology (exactly-once v2) that counts scored samples into per-request
 * bounds ({@code PromptBounds} records) and rolls them up per model version, suite and split; see {@link dev.probeval.aggregator.AggregatorTopology}
 * and {@link dev.probeval.aggregator.Aggregator}.
 */
package dev.probeval.aggregator;
