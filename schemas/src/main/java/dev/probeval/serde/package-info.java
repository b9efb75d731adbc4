/**
 * Kafka serdes for the Avro contracts in Confluent's wire format (magic byte 0, 4-byte big-endian schema id, Avro
 * binary), configured with Confluent's keys, so they interoperate with Confluent's own serdes and registries.
 */
package dev.probeval.serde;
