package dev.probeval.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaParseException;

/**
 * The registry's rules and in-memory state: subjects, versions, registry-wide ids, compatibility levels. Shared by the
 * embedded HTTP server (which persists every change to a Kafka topic before applying it) and by the tests' in-memory
 * {@code mock://} registry (test jar), so both behave the same. Thread-safe.
 *
 * <p>Ids are per schema content, as in Confluent's registry: the same schema registered under two subjects has one id.
 * Schemas are compared by Avro's full JSON form (docs, defaults and order included), so two schemas that differ only
 * in a default get different ids: the default changes what a reader does.
 */
public final class SchemaRegistryState {

    /** Result of {@link #prepareRegister}: the version to return and whether it must still be persisted and applied. */
    public record Registration(SchemaMetadata metadata, boolean isNew) {}

    /** Result of a compatibility check, with Avro's reasons when incompatible. */
    public record CompatibilityResult(boolean compatible, List<String> messages) {}

    private final Map<String, NavigableMap<Integer, SchemaMetadata>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel;
    private int maxId;

    /** A registry with the given global compatibility level (Confluent's default is BACKWARD). */
    public SchemaRegistryState(CompatibilityLevel globalLevel) {
        this.globalLevel = globalLevel;
    }

    public SchemaRegistryState() {
        this(CompatibilityLevel.BACKWARD);
    }

    /** Parses a schema string on its own (no named types from elsewhere), or throws the registry's 42201 error. */
    public static Schema parse(String schemaJson) {
        if (schemaJson == null || schemaJson.isBlank()) {
            throw SchemaRegistryException.invalidSchema("empty schema");
        }
        try {
            return new Schema.Parser().setValidateDefaults(true).parse(schemaJson);
        } catch (SchemaParseException | org.apache.avro.AvroTypeException e) {
            throw SchemaRegistryException.invalidSchema(clipDetail(e.getMessage()));
        } catch (RuntimeException e) {
            throw SchemaRegistryException.invalidSchema(clipDetail(e.toString()));
        }
    }

    /** A parser's complaint may quote the schema it was given: kept to a few lines. */
    private static String clipDetail(String detail) {
        return detail == null || detail.length() <= 1000
                ? detail
                : detail.substring(0, 1000) + "...(" + detail.length() + " chars)";
    }

    /** The form schemas are stored and compared in: Avro's full JSON, normalised whitespace and attribute order. */
    public static String canonical(String schemaJson) {
        return parse(schemaJson).toString();
    }

    /**
     * Decides what registering {@code schemaJson} under {@code subject} means without changing anything: the existing
     * version when the subject already holds this schema, else the next version with the id it will get. Throws 409 when
     * the schema breaks the subject's compatibility level, 42201 when it is not a valid Avro schema.
     */
    public synchronized Registration prepareRegister(String subject, String schemaJson) {
        requireSubject(subject);
        String canonical = canonical(schemaJson);
        NavigableMap<Integer, SchemaMetadata> versions = subjects.get(subject);
        if (versions != null) {
            for (SchemaMetadata m : versions.values()) {
                if (m.schema().equals(canonical)) {
                    return new Registration(m, false);
                }
            }
            CompatibilityResult check =
                    checkAgainst(parse(canonical), new ArrayList<>(versions.values()), compatibility(subject), true);
            if (!check.compatible()) {
                throw new SchemaRegistryException(
                        409,
                        SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                        "Schema being registered is incompatible with an earlier schema for subject '"
                                + SchemaRegistryException.clip(subject) + "' ("
                                + compatibility(subject) + "): " + String.join("; ", check.messages()));
            }
        }
        int version = versions == null ? 1 : versions.lastKey() + 1;
        Integer existingId = idsByCanonical.get(canonical);
        int id = existingId != null ? existingId : maxId + 1;
        return new Registration(new SchemaMetadata(subject, version, id, canonical), true);
    }

    /** Applies a registered version (from {@link #prepareRegister} or replayed from storage); idempotent. */
    public synchronized void apply(SchemaMetadata m) {
        String canonical = canonical(m.schema());
        subjects.computeIfAbsent(m.subject(), s -> new TreeMap<>())
                .put(m.version(), new SchemaMetadata(m.subject(), m.version(), m.id(), canonical));
        schemasById.put(m.id(), canonical);
        idsByCanonical.putIfAbsent(canonical, m.id());
        maxId = Math.max(maxId, m.id());
    }

    /** Registers and applies in one step (for registries without separate storage). */
    public synchronized SchemaMetadata register(String subject, String schemaJson) {
        Registration r = prepareRegister(subject, schemaJson);
        if (r.isNew()) {
            apply(r.metadata());
        }
        return r.metadata();
    }

    /** The version of {@code schemaJson} in {@code subject}; 40401 if the subject is unknown, 40403 if the schema is. */
    public synchronized SchemaMetadata lookup(String subject, String schemaJson) {
        String canonical = canonical(schemaJson);
        for (SchemaMetadata m : versionsOf(subject).values()) {
            if (m.schema().equals(canonical)) {
                return m;
            }
        }
        throw SchemaRegistryException.schemaNotFound(
                "not registered under subject '" + SchemaRegistryException.clip(subject) + "'");
    }

    /** The schema with this id, or 40403. */
    public synchronized String schemaById(int id) {
        String s = schemasById.get(id);
        if (s == null) {
            throw SchemaRegistryException.schemaNotFound("with id " + id);
        }
        return s;
    }

    /** Subjects and versions that hold the schema with this id, or 40403. */
    public synchronized List<SchemaMetadata> usagesOf(int id) {
        schemaById(id);
        List<SchemaMetadata> out = new ArrayList<>();
        for (NavigableMap<Integer, SchemaMetadata> versions : subjects.values()) {
            for (SchemaMetadata m : versions.values()) {
                if (m.id() == id) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    public synchronized List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    public synchronized List<Integer> versions(String subject) {
        return new ArrayList<>(versionsOf(subject).keySet());
    }

    public synchronized SchemaMetadata latest(String subject) {
        return versionsOf(subject).lastEntry().getValue();
    }

    public synchronized SchemaMetadata version(String subject, int version) {
        SchemaMetadata m = versionsOf(subject).get(version);
        if (m == null) {
            throw SchemaRegistryException.versionNotFound(subject, version);
        }
        return m;
    }

    /**
     * Whether {@code schemaJson} is compatible with the subject: against the latest version (every version for
     * TRANSITIVE levels) when {@code version} is null, else against that one version. 40401 for an unknown subject.
     */
    public synchronized CompatibilityResult checkCompatibility(String subject, String schemaJson, Integer version) {
        Schema candidate = parse(schemaJson);
        NavigableMap<Integer, SchemaMetadata> versions = versionsOf(subject);
        List<SchemaMetadata> against =
                version == null ? new ArrayList<>(versions.values()) : List.of(version(subject, version));
        return checkAgainst(candidate, against, compatibility(subject), version == null);
    }

    /** Effective level of a subject: its own if set, else the global one. */
    public synchronized CompatibilityLevel compatibility(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    public synchronized CompatibilityLevel globalCompatibility() {
        return globalLevel;
    }

    /** The subject's own level, empty when it falls back to the global one. */
    public synchronized Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** Sets the level of a subject, or the global level when {@code subject} is null; a null level clears a subject's. */
    public synchronized void applyConfig(String subject, CompatibilityLevel level) {
        if (subject == null) {
            if (level != null) {
                globalLevel = level;
            }
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    /** Number of subjects holding at least one version. */
    public synchronized int subjectCount() {
        return subjects.size();
    }

    /** Number of versions of {@code subject} (0 for an unknown subject). */
    public synchronized int versionCount(String subject) {
        NavigableMap<Integer, SchemaMetadata> versions = subjects.get(subject);
        return versions == null ? 0 : versions.size();
    }

    /** Highest id handed out so far (0 when empty). */
    public synchronized int maxId() {
        return maxId;
    }

    private NavigableMap<Integer, SchemaMetadata> versionsOf(String subject) {
        NavigableMap<Integer, SchemaMetadata> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw SchemaRegistryException.subjectNotFound(subject);
        }
        return Collections.unmodifiableNavigableMap(versions);
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new SchemaRegistryException(
                    422, SchemaRegistryException.INVALID_SCHEMA, "Subject must not be empty.");
        }
    }

    /** {@code existing} in version order; non-transitive checks (or a single explicit version) use only the last one. */
    private static CompatibilityResult checkAgainst(
            Schema candidate, List<SchemaMetadata> existing, CompatibilityLevel level, boolean honourTransitive) {
        List<String> messages = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || existing.isEmpty()) {
            return new CompatibilityResult(true, messages);
        }
        List<SchemaMetadata> targets =
                level.transitive() && honourTransitive ? existing : List.of(existing.get(existing.size() - 1));
        for (SchemaMetadata old : targets) {
            Schema previous = parse(old.schema());
            if (level.backward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(candidate, previous),
                        "new schema cannot read data written with version " + old.version(),
                        messages);
            }
            if (level.forward()) {
                describe(
                        SchemaCompatibility.checkReaderWriterCompatibility(previous, candidate),
                        "version " + old.version() + " cannot read data written with the new schema",
                        messages);
            }
        }
        return new CompatibilityResult(messages.isEmpty(), messages);
    }

    private static void describe(SchemaCompatibility.SchemaPairCompatibility pair, String what, List<String> out) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        List<Incompatibility> incompatibilities = pair.getResult().getIncompatibilities();
        if (incompatibilities.isEmpty()) {
            out.add(what);
            return;
        }
        for (Incompatibility i : incompatibilities) {
            out.add(what + ": " + i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")");
        }
    }
}
