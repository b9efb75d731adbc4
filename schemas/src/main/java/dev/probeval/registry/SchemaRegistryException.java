package dev.probeval.registry;

/**
 * A schema registry request failed. Carries the HTTP status and Confluent's numeric error code (for example 40401
 * subject not found, 40403 schema not found, 409 incompatible, 42201 invalid schema), so callers can tell an unknown id
 * from an unreachable registry.
 */
public class SchemaRegistryException extends RuntimeException {
    /** Confluent error code: subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent error code: version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent error code: schema not found. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent error code: subject has no subject-level compatibility configured. */
    public static final int SUBJECT_CONFIG_NOT_FOUND = 40408;
    /** Confluent error code: the schema is incompatible with earlier versions. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent error code: the schema is not a valid Avro schema (or an unsupported type). */
    public static final int INVALID_SCHEMA = 42201;
    /** Confluent error code: the version is not a positive integer or "latest". */
    public static final int INVALID_VERSION = 42202;
    /** Confluent error code: unknown compatibility level. */
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    /**
     * probeval's own code (Confluent's registry has no such limits): the registry holds the most subjects, or the
     * subject the most versions, it is configured for.
     */
    public static final int LIMIT_EXCEEDED = 42299;
    /** Confluent error code: the backing store failed. */
    public static final int STORE_ERROR = 50001;
    /** Our code for "no HTTP answer at all" (connection refused, timeout); never sent by a server. */
    public static final int UNREACHABLE = -1;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** HTTP status of the answer, or -1 when the registry could not be reached. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent's error code (40401, 40403, 409, 42201, ...), or -1 when the registry could not be reached. */
    public int errorCode() {
        return errorCode;
    }

    /** True for errors that say nothing about the data (unreachable registry, 5xx): retry rather than dead-letter. */
    public boolean isTransient() {
        return httpStatus < 0 || httpStatus >= 500;
    }

    static SchemaRegistryException subjectNotFound(String subject) {
        return new SchemaRegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + clip(subject) + "' not found.");
    }

    static SchemaRegistryException versionNotFound(String subject, int version) {
        return new SchemaRegistryException(
                404, VERSION_NOT_FOUND, "Version " + version + " not found for subject '" + clip(subject) + "'.");
    }

    /** A client-sent value (a subject, a schema parser's complaint) for an error message, clipped. */
    static String clip(String value) {
        return dev.probeval.core.text.Texts.clip(value);
    }

    static SchemaRegistryException schemaNotFound(String what) {
        return new SchemaRegistryException(404, SCHEMA_NOT_FOUND, "Schema " + what + " not found.");
    }

    static SchemaRegistryException invalidSchema(String detail) {
        return new SchemaRegistryException(422, INVALID_SCHEMA, "Invalid schema: " + detail);
    }
}
