package dev.probeval.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.text.Texts;
import dev.probeval.http.HttpError;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.RestSchemaRegistryClient;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.registry.SchemaRegistryState;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's REST routes (Confluent's API subset, see {@link SchemaRegistryServer}) over a
 * {@link SchemaRegistryState} and the {@link SchemaStore} it is persisted in. Every answer, errors included, has
 * content type {@value RestSchemaRegistryClient#CONTENT_TYPE}; bodies are built field by field so their bytes match
 * what Confluent's registry sends.
 */
final class RegistryApi {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryApi.class);
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CONTENT_TYPE = RestSchemaRegistryClient.CONTENT_TYPE;

    /**
     * What one client can make the registry hold: the largest schema (UTF-8 bytes of its text), the most subjects and
     * the most versions per subject. Checked by {@link SchemaRegistryServer.Builder}.
     */
    record Limits(int maxSchemaBytes, int maxSubjects, int maxVersionsPerSubject) {}

    private final SchemaRegistryState state;
    private final SchemaStore store;
    private final Limits limits;
    /** Serialises writes and catch-ups: the store is not thread-safe, and ids must be handed out one at a time. */
    final Object writeLock = new Object();

    RegistryApi(SchemaRegistryState state, SchemaStore store, Limits limits) {
        this.state = state;
        this.store = store;
        this.limits = limits;
    }

    /** Turns a registry rule violation into its Confluent status and code. */
    static HttpError toHttpError(SchemaRegistryException e) {
        int status = e.httpStatus() >= 400 && e.httpStatus() <= 599 ? e.httpStatus() : 500;
        return new HttpError(status, e.errorCode(), e.getMessage());
    }

    /** Anything else is Confluent's "backend data store" error (the store is the only thing that fails at runtime). */
    static HttpError toStoreError(RuntimeException e) {
        LOG.warn("Registry request failed", e);
        return new HttpError(
                500, SchemaRegistryException.STORE_ERROR, "Error in the backend data store: " + e.getMessage());
    }

    void routes(RoutesConfig r) {
        r.get("/", ctx -> ok(ctx, "{}"));

        r.get("/subjects", ctx -> ok(ctx, array(state.subjects())));
        r.post("/subjects/{subject}", ctx -> {
            String subject = ctx.pathParam("subject");
            String schema = schemaOf(ctx, limits);
            ok(ctx, metadata(withCatchUp(() -> state.lookup(subject, schema))));
        });
        r.post("/subjects/{subject}/versions", ctx -> {
            SchemaMetadata m = register(ctx.pathParam("subject"), schemaOf(ctx, limits));
            ok(ctx, JSON.createObjectNode().put("id", m.id()).toString());
        });
        r.get("/subjects/{subject}/versions", ctx -> {
            String subject = ctx.pathParam("subject");
            ok(ctx, array(withCatchUp(() -> state.versions(subject))));
        });
        r.get(
                "/subjects/{subject}/versions/{version}",
                ctx -> ok(ctx, metadata(version(ctx.pathParam("subject"), ctx.pathParam("version")))));
        r.get(
                "/subjects/{subject}/versions/{version}/schema",
                ctx -> ok(
                        ctx,
                        version(ctx.pathParam("subject"), ctx.pathParam("version"))
                                .schema()));

        r.get("/schemas/types", ctx -> ok(ctx, "[\"AVRO\"]"));
        r.get("/schemas/ids/{id}", ctx -> {
            int id = schemaId(ctx);
            ok(
                    ctx,
                    JSON.createObjectNode()
                            .put("schema", withCatchUp(() -> state.schemaById(id)))
                            .toString());
        });
        r.get("/schemas/ids/{id}/schema", ctx -> {
            int id = schemaId(ctx);
            ok(ctx, withCatchUp(() -> state.schemaById(id)));
        });
        r.get("/schemas/ids/{id}/versions", ctx -> {
            int id = schemaId(ctx);
            ArrayNode a = JSON.createArrayNode();
            for (SchemaMetadata m : withCatchUp(() -> state.usagesOf(id))) {
                a.addObject().put("subject", m.subject()).put("version", m.version());
            }
            ok(ctx, a.toString());
        });

        r.post("/compatibility/subjects/{subject}/versions/{version}", this::compatibility);

        r.get("/config", ctx -> getConfig(ctx, null));
        r.put("/config", ctx -> putConfig(ctx, null));
        r.get("/config/{subject}", ctx -> getConfig(ctx, ctx.pathParam("subject")));
        r.put("/config/{subject}", ctx -> putConfig(ctx, ctx.pathParam("subject")));
        r.delete("/config/{subject}", ctx -> deleteConfig(ctx, ctx.pathParam("subject")));
    }

    // ----------------------------------------------------------------------------------------------- handlers

    private void compatibility(Context ctx) {
        String subject = ctx.pathParam("subject");
        String v = ctx.pathParam("version");
        Integer version = v.equals("latest") ? null : version(subject, v).version();
        String schema = schemaOf(ctx, limits);
        SchemaRegistryState.CompatibilityResult c =
                withCatchUp(() -> state.checkCompatibility(subject, schema, version));
        ObjectNode o = JSON.createObjectNode().put("is_compatible", c.compatible());
        if (flag(ctx, "verbose")) {
            c.messages().forEach(o.putArray("messages")::add);
        }
        ok(ctx, o.toString());
    }

    private void getConfig(Context ctx, String subject) {
        Optional<CompatibilityLevel> level =
                subject == null ? Optional.of(state.globalCompatibility()) : state.subjectCompatibility(subject);
        if (level.isEmpty() && flag(ctx, "defaultToGlobal")) {
            level = Optional.of(state.globalCompatibility());
        }
        ok(
                ctx,
                JSON.createObjectNode()
                        .put(
                                "compatibilityLevel",
                                level.orElseThrow(() -> noSubjectLevel(subject)).name())
                        .toString());
    }

    private void putConfig(Context ctx, String subject) {
        CompatibilityLevel level =
                CompatibilityLevel.parse(body(ctx).path("compatibility").asText(null));
        synchronized (writeLock) {
            store.appendConfig(subject, level);
            state.applyConfig(subject, level);
        }
        ok(ctx, JSON.createObjectNode().put("compatibility", level.name()).toString());
    }

    private void deleteConfig(Context ctx, String subject) {
        CompatibilityLevel previous = state.subjectCompatibility(subject).orElseThrow(() -> noSubjectLevel(subject));
        synchronized (writeLock) {
            store.appendConfig(subject, null);
            state.applyConfig(subject, null);
        }
        ok(
                ctx,
                JSON.createObjectNode()
                        .put("compatibilityLevel", previous.name())
                        .toString());
    }

    private static SchemaRegistryException noSubjectLevel(String subject) {
        return new SchemaRegistryException(
                404,
                SchemaRegistryException.SUBJECT_CONFIG_NOT_FOUND,
                "Subject '" + Texts.clip(subject) + "' does not have subject-level compatibility configured");
    }

    private SchemaMetadata register(String subject, String schema) {
        synchronized (writeLock) {
            // Another instance on the same topic may have registered since we last looked: read its records first.
            store.catchUp(state);
            SchemaRegistryState.Registration r = state.prepareRegister(subject, schema);
            if (r.isNew()) {
                requireRoomFor(subject);
                store.appendSchema(r.metadata());
                state.apply(r.metadata());
                LOG.info(
                        "Registered {} version {} as id {}",
                        Texts.clip(subject),
                        r.metadata().version(),
                        r.metadata().id());
            }
            return r.metadata();
        }
    }

    /** Refuses a new version that would take the registry past its subject or per-subject version limit. */
    private void requireRoomFor(String subject) {
        int versions = state.versionCount(subject);
        if (versions == 0 && state.subjectCount() >= limits.maxSubjects()) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.LIMIT_EXCEEDED,
                    "This registry holds its " + "limit of " + limits.maxSubjects() + " subjects; subject '"
                            + Texts.clip(subject) + "' is not created");
        }
        if (versions >= limits.maxVersionsPerSubject()) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.LIMIT_EXCEEDED,
                    "Subject '"
                            + Texts.clip(subject) + "' holds this registry's limit of " + limits.maxVersionsPerSubject()
                            + " versions");
        }
    }

    private SchemaMetadata version(String subject, String v) {
        if (v.equals("latest") || v.equals("-1")) {
            return withCatchUp(() -> state.latest(subject));
        }
        int version;
        try {
            version = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            version = -2;
        }
        if (version < 1) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_VERSION,
                    "The specified version '" + Texts.clip(v)
                            + "' is not a valid version id. Allowed values are between "
                            + "[1, 2^31-1] and the string \"latest\"");
        }
        int ver = version;
        return withCatchUp(() -> state.version(subject, ver));
    }

    /** Answers from memory; on "not found" reads the store once more, as another instance may have written. */
    private <T> T withCatchUp(Supplier<T> read) {
        try {
            return read.get();
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() != 404) {
                throw e;
            }
            synchronized (writeLock) {
                if (store.catchUp(state) == 0) {
                    throw e;
                }
            }
            return read.get();
        }
    }

    // ----------------------------------------------------------------------------------------------- request parts

    private static int schemaId(Context ctx) {
        String s = ctx.pathParam("id");
        try {
            int id = Integer.parseInt(s);
            if (id < 1) {
                // Ids start at 1: no catch-up with the store can find this one, so none is made.
                throw new HttpError(
                        404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema with id " + id + " not found.");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new HttpError(
                    404,
                    SchemaRegistryException.SCHEMA_NOT_FOUND,
                    "Schema not found: bad schema id '" + Texts.clip(s) + "'");
        }
    }

    /** A query flag as Confluent reads it: {@code ?verbose=true}, or the bare {@code ?verbose}. */
    private static boolean flag(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v != null && (v.isEmpty() || Boolean.parseBoolean(v));
    }

    private static String schemaOf(Context ctx, Limits limits) {
        JsonNode body = body(ctx);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: schemaType " + Texts.clip(type)
                            + " is not supported by this registry (AVRO only)");
        }
        if (body.has("references") && body.get("references").size() > 0) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: schema references are not supported by this registry");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: the request body needs a string field \"schema\"");
        }
        String text = schema.asText();
        // Checked before parsing: the parse (and every compatibility check after it) costs in proportion to the size.
        long bytes = utf8Length(text);
        if (bytes > limits.maxSchemaBytes()) {
            throw new SchemaRegistryException(
                    422,
                    SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema: the schema is " + bytes + " bytes, more than this registry's limit of "
                            + limits.maxSchemaBytes() + " bytes");
        }
        return text;
    }

    private static long utf8Length(String s) {
        if (s.length() > Integer.MAX_VALUE / 3) {
            return s.getBytes(StandardCharsets.UTF_8).length;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static JsonNode body(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0) {
            throw new HttpError(400, 400, "Request body is empty; expected JSON");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new HttpError(400, 400, "Request body is not valid JSON: " + Texts.clip(e.getMessage(), 500));
        }
        if (node == null || !node.isObject()) {
            throw new HttpError(400, 400, "Request body must be a JSON object");
        }
        return node;
    }

    // ----------------------------------------------------------------------------------------------- answers

    private static void ok(Context ctx, String body) {
        ctx.status(200).contentType(CONTENT_TYPE).result(body);
    }

    private static String metadata(SchemaMetadata m) {
        return JSON.createObjectNode()
                .put("subject", m.subject())
                .put("version", m.version())
                .put("id", m.id())
                .put("schema", m.schema())
                .toString();
    }

    private static String array(List<?> items) {
        ArrayNode a = JSON.createArrayNode();
        for (Object o : items) {
            if (o instanceof Integer i) {
                a.add(i);
            } else {
                a.add(String.valueOf(o));
            }
        }
        return a.toString();
    }
}
