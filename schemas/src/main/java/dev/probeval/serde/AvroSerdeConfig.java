package dev.probeval.serde;

import dev.probeval.registry.RestSchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryClientProvider;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.apache.kafka.common.config.ConfigException;

/**
 * Serde configuration under Confluent's key names, so a user's existing client properties work unchanged:
 * {@value #SCHEMA_REGISTRY_URL}, {@value #AUTO_REGISTER_SCHEMAS}, {@value #USE_LATEST_VERSION},
 * {@value #BASIC_AUTH_CREDENTIALS_SOURCE}, {@value #BASIC_AUTH_USER_INFO}, {@value #LATEST_CACHE_TTL_SEC}.
 */
public final class AvroSerdeConfig {
    /**
     * Comma-separated registry base URLs. Required. A scheme other than http(s) goes to the {@link
     * SchemaRegistryClientProvider} on the class path that serves it (the tests' {@code mock://<scope>}).
     */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Register the record's schema on first use (default true). When false, the schema must already be registered. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Write with the subject's latest registered schema instead of the record's own (default false). */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Where basic-auth credentials come from: {@code USER_INFO} ({@value #BASIC_AUTH_USER_INFO}) or {@code URL}. */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    /** {@code user:password} for basic authentication when the credentials source is USER_INFO. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Alias Confluent also accepts for {@value #BASIC_AUTH_USER_INFO}. */
    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    /** Seconds the latest version of a subject is cached with use.latest.version; -1 (default) caches forever. */
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";

    private final List<String> urls;
    private final boolean autoRegisterSchemas;
    private final boolean useLatestVersion;
    private final String credentialsSource;
    private final String userInfo;
    private final long latestCacheTtlSec;

    private AvroSerdeConfig(
            List<String> urls,
            boolean autoRegisterSchemas,
            boolean useLatestVersion,
            String credentialsSource,
            String userInfo,
            long latestCacheTtlSec) {
        this.urls = urls;
        this.autoRegisterSchemas = autoRegisterSchemas;
        this.useLatestVersion = useLatestVersion;
        this.credentialsSource = credentialsSource;
        this.userInfo = userInfo;
        this.latestCacheTtlSec = latestCacheTtlSec;
    }

    /** Parses serde properties; throws {@link ConfigException} naming the key and value that are wrong. */
    public static AvroSerdeConfig from(Map<String, ?> configs) {
        Object rawUrl = configs.get(SCHEMA_REGISTRY_URL);
        List<String> urls = new ArrayList<>();
        if (rawUrl instanceof Collection<?> c) {
            c.forEach(u -> urls.add(String.valueOf(u).trim()));
        } else if (rawUrl != null) {
            for (String u : String.valueOf(rawUrl).split(",")) {
                if (!u.isBlank()) {
                    urls.add(u.trim());
                }
            }
        }
        if (urls.isEmpty()) {
            throw new ConfigException(
                    SCHEMA_REGISTRY_URL,
                    rawUrl,
                    "required: the schema registry base URL, for example http://127.0.0.1:8081");
        }
        String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE, "URL").toUpperCase(Locale.ROOT);
        if (!source.equals("URL") && !source.equals("USER_INFO")) {
            throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source, "supported sources are USER_INFO and URL");
        }
        String userInfo = null;
        if (source.equals("USER_INFO")) {
            userInfo = string(configs, BASIC_AUTH_USER_INFO, string(configs, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, ""));
            if (!userInfo.contains(":")) {
                throw new ConfigException(
                        BASIC_AUTH_USER_INFO,
                        "(hidden)",
                        "with basic.auth.credentials.source=USER_INFO it must be user:password");
            }
        } else {
            for (String u : urls) {
                // A provider's URL (mock://<scope>) names no host and carries no credentials.
                String ui = provider(u).isPresent() ? null : safeUri(u).getUserInfo();
                if (ui != null) {
                    userInfo = ui;
                    break;
                }
            }
        }
        long ttl;
        try {
            ttl = Long.parseLong(string(configs, LATEST_CACHE_TTL_SEC, "-1"));
        } catch (NumberFormatException e) {
            throw new ConfigException(LATEST_CACHE_TTL_SEC, configs.get(LATEST_CACHE_TTL_SEC), "must be an integer");
        }
        return new AvroSerdeConfig(
                List.copyOf(urls),
                bool(configs, AUTO_REGISTER_SCHEMAS, true),
                bool(configs, USE_LATEST_VERSION, false),
                source,
                userInfo,
                ttl);
    }

    /** Minimal serde properties for a registry URL (auto-registration on). */
    public static Map<String, Object> forUrl(String url) {
        Map<String, Object> m = new HashMap<>();
        m.put(SCHEMA_REGISTRY_URL, url);
        return m;
    }

    /**
     * A client for the configured registry: the provider's for a scheme a {@link SchemaRegistryClientProvider} on the
     * class path serves (in tests, {@code mock://<scope>}), else {@link RestSchemaRegistryClient} with basic auth as
     * configured (which accepts only http(s) URLs).
     */
    public SchemaRegistryClient createClient() {
        String first = urls.get(0);
        Optional<SchemaRegistryClientProvider> provider = provider(first);
        if (provider.isPresent()) {
            return provider.get().create(first);
        }
        try {
            return new RestSchemaRegistryClient(urls, userInfo);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, urls, e.getMessage());
        }
    }

    public boolean autoRegisterSchemas() {
        return autoRegisterSchemas;
    }

    public boolean useLatestVersion() {
        return useLatestVersion;
    }

    public String credentialsSource() {
        return credentialsSource;
    }

    public long latestCacheTtlSec() {
        return latestCacheTtlSec;
    }

    /** The provider serving {@code url}'s scheme; never one for http or https. */
    static Optional<SchemaRegistryClientProvider> provider(String url) {
        int sep = url.indexOf("://");
        if (sep <= 0) {
            return Optional.empty();
        }
        String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
        if (scheme.equals("http") || scheme.equals("https")) {
            return Optional.empty();
        }
        return Providers.ALL.stream()
                .filter(p -> p.scheme().equalsIgnoreCase(scheme))
                .findFirst();
    }

    /** Loaded once, on first use: the class path does not change while the JVM runs. */
    private static final class Providers {
        static final List<SchemaRegistryClientProvider> ALL =
                ServiceLoader.load(SchemaRegistryClientProvider.class, AvroSerdeConfig.class.getClassLoader()).stream()
                        .map(ServiceLoader.Provider::get)
                        .toList();
    }

    private static URI safeUri(String u) {
        try {
            return URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, u, "not a URL: " + e.getMessage());
        }
    }

    private static String string(Map<String, ?> configs, String key, String dflt) {
        Object v = configs.get(key);
        return v == null ? dflt : String.valueOf(v).trim();
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key, v, "must be true or false");
    }
}
