package dev.probeval.registry;

/**
 * One registered version of a subject, as returned by {@code GET /subjects/{subject}/versions/{version}}.
 *
 * @param subject the subject, for example {@code probeval.samples.v1-value}
 * @param version the version within the subject, from 1
 * @param id the registry-wide schema id written into every Confluent-framed record
 * @param schema the schema as a JSON string
 */
public record SchemaMetadata(String subject, int version, int id, String schema) {}
