/** End-to-end benchmark of the streaming aggregator against a bare Kafka Streams count, on the embedded broker. */
package dev.probeval.benchmarks.aggregator;
