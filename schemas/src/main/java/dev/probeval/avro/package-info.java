/**
 * The Avro contracts: classes generated from {@code src/main/avro} (requests, scored samples, bounds, dead letters and
 * their enums and sub-records), plus {@link dev.probeval.avro.BoundModes}, the mapping of the contract's bound mode
 * onto core's.
 */
package dev.probeval.avro;
