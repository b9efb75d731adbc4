package dev.probeval.registry;

/**
 * Supplies {@link SchemaRegistryClient}s for a URL scheme other than http(s), found with {@link
 * java.util.ServiceLoader} (a {@code META-INF/services/dev.probeval.registry.SchemaRegistryClientProvider} entry).
 * This is how the tests' in-memory {@code mock://<scope>} registry reaches serdes that Kafka configures from
 * properties alone, without that test code living in this module's jar. With no provider on the class path only
 * http(s) URLs work, which is what a deployment wants.
 */
public interface SchemaRegistryClientProvider {
    /** The scheme served, without {@code ://}, for example {@code mock}. http and https are never delegated. */
    String scheme();

    /** A client for {@code url}, which starts with {@link #scheme()} followed by {@code ://}. */
    SchemaRegistryClient create(String url);
}
