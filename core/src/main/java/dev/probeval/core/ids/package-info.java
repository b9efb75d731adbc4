/** Deterministic sample ids and seeds, derived from (request id, sample index). */
package dev.probeval.core.ids;
