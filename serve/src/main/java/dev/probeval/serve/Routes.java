package dev.probeval.serve;

import dev.probeval.core.text.Texts;
import dev.probeval.openai.ErrorResponse;
import dev.probeval.openai.ModelList;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server's routes: {@code GET /health}, {@code GET /v1/models[/{model}]}, {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions}, behind the guard every {@code /v1/*} call passes first (the API key, then a JSON
 * content type for a POST), before its body is read.
 */
final class Routes {
    private final OpenAiServing serving;
    private final ApiHandler completions;
    private final ApiHandler chat;
    private final ModelList.Model served;
    /** SHA-256 of the API key, or null: digests are compared, so the comparison takes the same time for any key. */
    private final byte[] apiKeyDigest;

    Routes(OpenAiServing serving, ApiHandler completions, ApiHandler chat, ModelList.Model served, String apiKey) {
        this.serving = serving;
        this.completions = completions;
        this.chat = chat;
        this.served = served;
        this.apiKeyDigest = apiKey == null ? null : sha256(apiKey);
    }

    void register(RoutesConfig r) {
        r.before("/v1/*", this::guard);
        r.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
        r.get("/v1/models", ctx -> ctx.json(ModelList.of(List.of(served))));
        r.get("/v1/models/{model}", this::oneModel);
        r.post("/v1/completions", ctx -> serving.complete(ctx, completions));
        r.post("/v1/chat/completions", ctx -> serving.complete(ctx, chat));
    }

    private void oneModel(Context ctx) {
        String name = ctx.pathParam("model");
        if (!served.id().equals(name)) {
            throw OpenAiError.modelNotFound(name, served.id());
        }
        ctx.json(served);
    }

    /**
     * Refuses a {@code /v1/*} call without the API key (when one is set) and a POST that is not JSON, before its body is
     * read.
     */
    private void guard(Context ctx) {
        if (apiKeyDigest != null) {
            String auth = ctx.header("Authorization");
            if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                ctx.header("WWW-Authenticate", "Bearer");
                throw new OpenAiError(
                        401,
                        ErrorResponse.INVALID_REQUEST,
                        null,
                        "invalid_api_key",
                        "this server needs an API key: send the header Authorization: Bearer <key>");
            }
            if (!MessageDigest.isEqual(apiKeyDigest, sha256(auth.substring(7).strip()))) {
                ctx.header("WWW-Authenticate", "Bearer");
                throw new OpenAiError(
                        401, ErrorResponse.INVALID_REQUEST, null, "invalid_api_key", "incorrect API key provided");
            }
        }
        if (ctx.method() == HandlerType.POST && !isJson(ctx.header("Content-Type"))) {
            throw new OpenAiError(
                    415,
                    ErrorResponse.INVALID_REQUEST,
                    null,
                    "unsupported_media_type",
                    "the request body "
                            + "must be JSON, sent with Content-Type: application/json (optionally ; charset=utf-8); got Content-Type "
                            + Texts.clip(String.valueOf(ctx.header("Content-Type")), 64));
        }
    }

    /** {@code application/json}, with no parameter but an optional UTF-8 charset. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";", -1);
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq < 0 || !p.substring(0, eq).strip().equalsIgnoreCase("charset")) {
                return false;
            }
            String charset = p.substring(eq + 1).strip().replace("\"", "").toLowerCase(Locale.ROOT);
            if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                return false;
            }
        }
        return true;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
