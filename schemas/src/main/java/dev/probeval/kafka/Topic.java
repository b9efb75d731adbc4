package dev.probeval.kafka;

import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.serde.SpecificAvroSerde;
import dev.probeval.serde.SubjectNames;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of the typed registry: its name, key serde, Avro value type and topic configs. Producers, consumers and
 * topologies take names and serdes from here, never from string literals.
 *
 * @param <K> key type
 * @param <V> value type (a generated Avro class)
 */
public final class Topic<K, V extends SpecificRecord> {
    private final String name;
    private final Supplier<Serde<K>> keySerde;
    private final Class<V> valueType;
    private final Map<String, String> configs;
    private final String keyDescription;

    Topic(
            String name,
            Supplier<Serde<K>> keySerde,
            Class<V> valueType,
            Map<String, String> configs,
            String keyDescription) {
        this.name = name;
        this.keySerde = keySerde;
        this.valueType = valueType;
        this.configs = Map.copyOf(configs);
        this.keyDescription = keyDescription;
    }

    public String name() {
        return name;
    }

    /** A new key serde (keys are plain strings, no registry involved). */
    public Serde<K> keySerde() {
        return keySerde.get();
    }

    public Class<V> valueType() {
        return valueType;
    }

    /** Topic-level configs applied at creation (for example {@code cleanup.policy=compact}). */
    public Map<String, String> configs() {
        return configs;
    }

    /** The registry subject of the values under Confluent's TopicNameStrategy: {@code <name>-value}. */
    public String valueSubject() {
        return SubjectNames.topicNameStrategy(name, false);
    }

    /**
     * A configured value serde. {@code serdeConfig} holds Confluent's keys ({@code schema.registry.url}, ...); each
     * call creates its own registry client.
     */
    public SpecificAvroSerde<V> valueSerde(Map<String, ?> serdeConfig) {
        return SpecificAvroSerde.configured(valueType, null, serdeConfig);
    }

    /** A configured value serde on a shared registry client (one id cache for all topics). */
    public SpecificAvroSerde<V> valueSerde(SchemaRegistryClient client, Map<String, ?> serdeConfig) {
        return SpecificAvroSerde.configured(valueType, client, serdeConfig);
    }

    /** The topic to create, with {@link #configs()}; empty partitions/replication mean the broker's defaults. */
    public NewTopic newTopic(Optional<Integer> partitions, Optional<Short> replicationFactor) {
        return new NewTopic(name, partitions, replicationFactor).configs(configs);
    }

    @Override
    public String toString() {
        return name + " (key: " + keyDescription + ", value: " + valueType.getSimpleName() + ")";
    }
}
