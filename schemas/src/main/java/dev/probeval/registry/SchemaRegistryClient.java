package dev.probeval.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The part of Confluent's schema registry API the serde and common tools use. Implemented over HTTP by {@link
 * RestSchemaRegistryClient} (any Confluent-compatible registry, including probeval's embedded one); other schemes
 * come from a {@link SchemaRegistryClientProvider} (the tests' in-memory {@code mock://}). Failures throw {@link
 * SchemaRegistryException}.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its registry-wide id. */
    int register(String subject, Schema schema);

    /** The version and id of {@code schema} if it is already registered under {@code subject} ({@code POST /subjects/{s}}). */
    SchemaMetadata lookup(String subject, Schema schema);

    /** The schema with the given id ({@code GET /schemas/ids/{id}}). */
    Schema getById(int id);

    /** The latest version of a subject ({@code GET /subjects/{s}/versions/latest}). */
    SchemaMetadata getLatest(String subject);

    /** A given version of a subject ({@code GET /subjects/{s}/versions/{v}}). */
    SchemaMetadata getVersion(String subject, int version);

    /** All subjects ({@code GET /subjects}). */
    List<String> getSubjects();

    /** The versions of a subject, ascending ({@code GET /subjects/{s}/versions}). */
    List<Integer> getVersions(String subject);

    /**
     * Whether {@code schema} may be registered as the next version of {@code subject} under the subject's compatibility
     * level ({@code POST /compatibility/subjects/{s}/versions/latest}).
     */
    boolean testCompatibility(String subject, Schema schema);

    /** Compatibility level of a subject, or the global one when {@code subject} is null ({@code GET /config}). */
    CompatibilityLevel getCompatibility(String subject);

    /** Sets the compatibility level of a subject, or the global one when {@code subject} is null ({@code PUT /config}). */
    void setCompatibility(String subject, CompatibilityLevel level);

    @Override
    default void close() {}
}
