package dev.probeval.serde;

import dev.probeval.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for one generated Avro type in Confluent's wire format (its serializer is this package's {@code
 * SpecificAvroSerializer}, its deserializer {@link SpecificAvroDeserializer}). Configure with Confluent's keys ({@link AvroSerdeConfig}) before use, or build a
 * configured one with {@link #configured}.
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final SpecificAvroSerializer<T> serializer;
    private final SpecificAvroDeserializer<T> deserializer;
    private final SchemaRegistryClient client;

    public SpecificAvroSerde(Class<T> type) {
        this(type, null);
    }

    /** A serde whose serializer and deserializer share {@code client} (null: each creates its own from the config). */
    public SpecificAvroSerde(Class<T> type, SchemaRegistryClient client) {
        this.serializer = new SpecificAvroSerializer<>(type, client);
        this.deserializer = new SpecificAvroDeserializer<>(type, client);
        this.client = client;
    }

    /** A configured value serde ({@code isKey=false}); {@code configs} holds Confluent's serde keys. */
    public static <T extends SpecificRecord> SpecificAvroSerde<T> configured(
            Class<T> type, SchemaRegistryClient client, Map<String, ?> configs) {
        SpecificAvroSerde<T> s = new SpecificAvroSerde<>(type, client);
        s.configure(configs, false);
        return s;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (client == null) {
            // one client (and one cache) for both directions; the serializer closes it
            SchemaRegistryClient own = AvroSerdeConfig.from(configs).createClient();
            serializer.useClient(own, true);
            deserializer.useClient(own, false);
        }
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
