package dev.probeval.worker.http;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One model version served by an OpenAI-compatible endpoint: where it is, how to call it, and how hard to try.
 * The API key is never part of the configuration: {@code apiKeyEnv} names the environment variable that holds it.
 *
 * <p>In a models file (or a {@code --model} value) an entry reads
 * {@code VERSION=URL[,model=NAME][,apiKeyEnv=VAR][,chat=true][,maxConcurrency=N][,timeout=D][,retries=N]
 * [,retryBackoff=D][,maxRetryBackoff=D][,outageDeadline=D][,samplesPerCall=N][,acceptsTopK=true][,seeded=false]
 * [,maxResponseBytes=N]}
 * with durations like {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}. {@code URL} is the server's base URL,
 * with or without the trailing {@code /v1}.
 *
 * @param baseUrl the API root, ending in {@code /v1} (requests go to {@code baseUrl + "/completions"} or
 *     {@code baseUrl + "/chat/completions"})
 * @param model the {@code model} field of each call (vLLM's {@code --served-model-name}); default: the version
 * @param apiKeyEnv environment variable holding the bearer token, or null for none
 * @param chat use {@code /chat/completions} with the prompt as one user message
 * @param maxConcurrency most calls in flight to this endpoint at once
 * @param timeout limit of one call (connect, send, and the whole response)
 * @param retries further attempts of one call after a connection error, timeout, 429, 5xx or malformed response
 * @param retryBackoff first pause between attempts; it doubles up to {@code maxRetryBackoff}, with jitter
 * @param maxRetryBackoff longest pause between attempts, and the pause before a chunk is tried again after its
 *     calls' retries ran out
 * @param outageDeadline how long a request may wait for the endpoint to come back before it ends REJECTED
 *     ({@code ENDPOINT_UNAVAILABLE})
 * @param samplesPerCall samples per call: 1 (default) sends each sample with its own seed, reproducible sample by
 *     sample; more sends {@code n = samplesPerCall} with one seed, cheaper but only reproducible as the whole call
 * @param acceptsTopK the server takes a {@code top_k} field (vLLM does, OpenAI does not); otherwise a request with
 *     top-k fails with a clear error instead of silently sampling without it
 * @param seeded the server honours {@code seed}; false marks every sampled output non-reproducible
 * @param maxResponseBytes largest response body read from one call (default {@value #DEFAULT_MAX_RESPONSE_BYTES});
 *     a larger one is cut off unread and fails the chunk ({@link EndpointResponseException}), so a faulty or hostile
 *     server cannot make the worker buffer without limit
 */
public record HttpEndpoint(
        URI baseUrl,
        String model,
        String apiKeyEnv,
        boolean chat,
        int maxConcurrency,
        Duration timeout,
        int retries,
        Duration retryBackoff,
        Duration maxRetryBackoff,
        Duration outageDeadline,
        int samplesPerCall,
        boolean acceptsTopK,
        boolean seeded,
        int maxResponseBytes) {
    public static final int DEFAULT_MAX_CONCURRENCY = 8;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_RETRIES = 3;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(30);
    public static final Duration DEFAULT_OUTAGE_DEADLINE = Duration.ofMinutes(10);
    /**
     * Default largest response body: 8 MiB, far above a completion of a few thousand tokens with their log-probabilities
     * (tens to hundreds of KB per choice).
     */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

    public HttpEndpoint {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
            throw new IllegalArgumentException(
                    "endpoint URL must be http(s)://HOST[:PORT][/PATH], got '" + safe(baseUrl) + "'");
        }
        if (baseUrl.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "endpoint URL " + safe(baseUrl) + " carries credentials: put the API key in an "
                            + "environment variable and name it with apiKeyEnv=VAR");
        }
        if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "endpoint URL must have no query or fragment, got '" + safe(baseUrl) + "'");
        }
        baseUrl = apiRoot(baseUrl);
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("endpoint model name must not be empty");
        }
        if (apiKeyEnv != null && !apiKeyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException(
                    "apiKeyEnv must name an environment variable ([A-Za-z_][A-Za-z0-9_]*), got '" + apiKeyEnv + "'");
        }
        positive("maxConcurrency", maxConcurrency);
        if (maxResponseBytes < 1024) {
            throw new IllegalArgumentException("maxResponseBytes must be >= 1024, got " + maxResponseBytes);
        }
        positive("samplesPerCall", samplesPerCall);
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        positive("timeout", timeout);
        positive("retryBackoff", retryBackoff);
        positive("maxRetryBackoff", maxRetryBackoff);
        positive("outageDeadline", outageDeadline);
    }

    /** An endpoint with the defaults: completions API, no key, {@value #DEFAULT_MAX_CONCURRENCY} calls at once. */
    public static HttpEndpoint of(URI baseUrl, String model) {
        return new HttpEndpoint(
                baseUrl,
                model,
                null,
                false,
                DEFAULT_MAX_CONCURRENCY,
                DEFAULT_TIMEOUT,
                DEFAULT_RETRIES,
                DEFAULT_RETRY_BACKOFF,
                DEFAULT_MAX_RETRY_BACKOFF,
                DEFAULT_OUTAGE_DEADLINE,
                1,
                false,
                true,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    /**
     * Parses the options of a models-file entry ({@code key=value}, comma-separated, after the URL); the model name
     * defaults to {@code version}.
     *
     * @throws IllegalArgumentException naming the bad or unknown option
     */
    public static HttpEndpoint parse(String version, String url, Map<String, String> options) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint URL '" + url + "' is not a URL: " + e.getMessage());
        }
        Map<String, String> o = new LinkedHashMap<>(options);
        String model = take(o, "model", version);
        String apiKeyEnv = take(o, "apiKeyEnv", null);
        boolean chat = bool(o, "chat", false);
        int maxConcurrency = integer(o, "maxConcurrency", DEFAULT_MAX_CONCURRENCY);
        Duration timeout = duration(o, "timeout", DEFAULT_TIMEOUT);
        int retries = integer(o, "retries", DEFAULT_RETRIES);
        Duration backoff = duration(o, "retryBackoff", DEFAULT_RETRY_BACKOFF);
        Duration maxBackoff = duration(o, "maxRetryBackoff", DEFAULT_MAX_RETRY_BACKOFF);
        Duration deadline = duration(o, "outageDeadline", DEFAULT_OUTAGE_DEADLINE);
        int perCall = integer(o, "samplesPerCall", 1);
        boolean topK = bool(o, "acceptsTopK", false);
        boolean seeded = bool(o, "seeded", true);
        int maxResponseBytes = integer(o, "maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES);
        if (!o.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown endpoint option(s) " + o.keySet() + "; known: model, apiKeyEnv, "
                            + "chat, maxConcurrency, timeout, retries, retryBackoff, maxRetryBackoff, outageDeadline, samplesPerCall, "
                            + "acceptsTopK, seeded, maxResponseBytes");
        }
        return new HttpEndpoint(
                uri,
                model,
                apiKeyEnv,
                chat,
                maxConcurrency,
                timeout,
                retries,
                backoff,
                maxBackoff,
                deadline,
                perCall,
                topK,
                seeded,
                maxResponseBytes);
    }

    /** Where calls go: {@code /completions} or {@code /chat/completions} under the API root. */
    public URI callUri() {
        return URI.create(baseUrl + (chat ? "/chat/completions" : "/completions"));
    }

    /** The endpoint as logs, metrics and errors name it: the API root URL (it never holds credentials). */
    public String label() {
        return baseUrl.toString();
    }

    /**
     * Whether calls would carry the API key readable to anyone on the path: a key is configured, the URL is plain
     * {@code http}, and the host is not a loopback name or address ({@code localhost}, {@code 127.0.0.0/8},
     * {@code ::1}). Host names are not resolved: only a literal loopback host counts.
     */
    public boolean sendsKeyInClear() {
        return apiKeyEnv != null && "http".equalsIgnoreCase(baseUrl.getScheme()) && !isLoopback(baseUrl.getHost());
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.contains(":")) {
            try {
                // an IP literal: parsed without a lookup
                return java.net.InetAddress.getByName(h).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** Whether every sampled output of this endpoint is reproducible sample by sample. */
    public boolean reproducible() {
        return samplesPerCall == 1 && seeded;
    }

    /** The entry's options in models-file syntax; names the key's variable, never its value. */
    @Override
    public String toString() {
        StringBuilder sb =
                new StringBuilder(baseUrl.toString()).append(",model=").append(model);
        if (apiKeyEnv != null) {
            sb.append(",apiKeyEnv=").append(apiKeyEnv);
        }
        sb.append(",chat=")
                .append(chat)
                .append(",maxConcurrency=")
                .append(maxConcurrency)
                .append(",timeout=")
                .append(format(timeout))
                .append(",retries=")
                .append(retries)
                .append(",outageDeadline=")
                .append(format(outageDeadline))
                .append(",samplesPerCall=")
                .append(samplesPerCall)
                .append(",maxResponseBytes=")
                .append(maxResponseBytes);
        return sb.toString();
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h} or an ISO-8601 duration ({@code PT30S}). */
    public static Duration parseDuration(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt") || v.startsWith("p")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            switch (v.charAt(v.length() - 1)) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                default:
                    break;
            }
        } catch (RuntimeException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + s + "' is not a duration (examples: 500ms, 30s, 10m, 1h)");
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static URI apiRoot(URI u) {
        String s = u.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s.endsWith("/v1") ? s : s + "/v1");
    }

    private static String safe(URI u) {
        return u.getRawUserInfo() == null ? u.toString() : u.toString().replace(u.getRawUserInfo() + "@", "***@");
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    private static String take(Map<String, String> o, String key, String dflt) {
        String v = o.remove(key);
        if (v == null) {
            return dflt;
        }
        if (v.isBlank()) {
            throw new IllegalArgumentException("endpoint option " + key + " must not be empty");
        }
        return v.strip();
    }

    private static boolean bool(Map<String, String> o, String key, boolean dflt) {
        String v = take(o, key, null);
        if (v == null) {
            return dflt;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("endpoint option " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        String v = take(o, key, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint option " + key + " must be an integer, got '" + v + "'");
        }
    }

    private static Duration duration(Map<String, String> o, String key, Duration dflt) {
        String v = take(o, key, null);
        if (v == null) {
            return dflt;
        }
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint option " + key + ": " + e.getMessage());
        }
    }
}
