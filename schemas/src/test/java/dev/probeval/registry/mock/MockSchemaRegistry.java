package dev.probeval.registry.mock;

import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryClientProvider;
import dev.probeval.registry.SchemaRegistryState;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Named in-memory registries for {@code schema.registry.url=mock://<scope>}, as Confluent's serdes offer: every serde
 * configured with the same scope in one JVM shares one {@link SchemaRegistryState} (the rules of the real server).
 * Test code only: it ships in {@code probeval-schemas}' test jar and reaches the serde through {@link Provider}.
 */
public final class MockSchemaRegistry {
    /** URL scheme that selects an in-memory registry. */
    public static final String MOCK_URL_PREFIX = "mock://";

    private static final ConcurrentMap<String, SchemaRegistryState> SCOPES = new ConcurrentHashMap<>();

    private MockSchemaRegistry() {}

    /** The shared state of a scope, created on first use. */
    public static SchemaRegistryState scope(String scope) {
        return SCOPES.computeIfAbsent(scope, s -> new SchemaRegistryState());
    }

    /** A client on a scope's registry. */
    public static SchemaRegistryClient client(String scope) {
        return new LocalSchemaRegistryClient(scope(scope));
    }

    /** Forgets a scope, so the next test starts from an empty registry. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    /** Serves {@code mock://<scope>} URLs to the serde; registered in {@code META-INF/services}. */
    public static final class Provider implements SchemaRegistryClientProvider {
        /** ServiceLoader needs a public no-argument constructor. */
        public Provider() {}

        @Override
        public String scheme() {
            return "mock";
        }

        @Override
        public SchemaRegistryClient create(String url) {
            return client(url.substring(MOCK_URL_PREFIX.length()));
        }
    }
}
