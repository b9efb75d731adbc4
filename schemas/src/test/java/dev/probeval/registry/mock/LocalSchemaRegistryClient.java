package dev.probeval.registry.mock;

import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryState;
import java.util.List;
import org.apache.avro.Schema;

/**
 * A {@link SchemaRegistryClient} over an in-process {@link SchemaRegistryState}: the same rules as the HTTP registry,
 * without the network. Serdes get one for {@code schema.registry.url=mock://<scope>} (see {@link MockSchemaRegistry}),
 * which is how TopologyTestDriver tests run the real serde.
 */
final class LocalSchemaRegistryClient implements SchemaRegistryClient {
    private final SchemaRegistryState state;

    LocalSchemaRegistryClient(SchemaRegistryState state) {
        this.state = state;
    }

    @Override
    public int register(String subject, Schema schema) {
        return state.register(subject, schema.toString()).id();
    }

    @Override
    public SchemaMetadata lookup(String subject, Schema schema) {
        return state.lookup(subject, schema.toString());
    }

    @Override
    public Schema getById(int id) {
        return SchemaRegistryState.parse(state.schemaById(id));
    }

    @Override
    public SchemaMetadata getLatest(String subject) {
        return state.latest(subject);
    }

    @Override
    public SchemaMetadata getVersion(String subject, int version) {
        return state.version(subject, version);
    }

    @Override
    public List<String> getSubjects() {
        return state.subjects();
    }

    @Override
    public List<Integer> getVersions(String subject) {
        return state.versions(subject);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return state.checkCompatibility(subject, schema.toString(), null).compatible();
    }

    @Override
    public CompatibilityLevel getCompatibility(String subject) {
        return subject == null ? state.globalCompatibility() : state.compatibility(subject);
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        state.applyConfig(subject, level);
    }
}
