package dev.probeval.serde;

import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.serde.AvroDeserializationException.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into a generated class: fetches the writer schema by the record's id (cached), and
 * resolves it to the class's schema (the reader), so records written with an older or newer compatible schema read
 * fine. Every failure is an {@link AvroDeserializationException} with a {@link Reason} and a message naming what is
 * wrong (bad magic byte, unknown schema id, truncated, ...).
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    /** Most writer-schema readers kept; beyond it the cache starts over. */
    static final int MAX_READERS = 1000;

    private final Class<T> type;
    private final Schema readerSchema;
    private final SpecificData model;
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();

    /** A deserializer that creates its own registry client in {@link #configure}. */
    public SpecificAvroDeserializer(Class<T> type) {
        this(type, null);
    }

    /** A deserializer on a shared registry client. */
    public SpecificAvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        AvroClassSecurity.trustProbevalClasses();
        this.type = type;
        this.model = SpecificData.getForClass(type);
        this.readerSchema = model.getSchema(type);
        this.client = client;
    }

    /** Shares a registry client created elsewhere (the serde's); no-op when one is set already. */
    void useClient(SchemaRegistryClient shared, boolean owns) {
        if (client == null) {
            client = shared;
            ownsClient = owns;
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (client == null) {
            client = AvroSerdeConfig.from(configs).createClient();
            ownsClient = true;
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new IllegalStateException(
                    "SpecificAvroDeserializer<" + type.getSimpleName() + "> used before configure()");
        }
        int id = WireFormat.schemaId(topic, data);
        SpecificDatumReader<T> reader = reader(topic, id);
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new AvroDeserializationException(
                    Reason.TRUNCATED,
                    topic,
                    id,
                    "the Avro payload (" + (data.length - WireFormat.HEADER_SIZE) + " bytes) ends before the "
                            + type.getSimpleName() + " record is complete",
                    e);
        } catch (SecurityException e) {
            // Avro's class allow-list: a deployment problem, not bad data, so never dead-letter on it.
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new AvroDeserializationException(
                    Reason.MALFORMED_PAYLOAD,
                    topic,
                    id,
                    "the Avro payload does not decode as " + type.getSimpleName() + " under the writer schema: "
                            + e.getMessage(),
                    e);
        }
        try {
            if (!decoder.isEnd()) {
                int left = 0;
                while (!decoder.isEnd()) {
                    decoder.skipFixed(1);
                    left++;
                }
                throw new AvroDeserializationException(
                        Reason.MALFORMED_PAYLOAD,
                        topic,
                        id,
                        left + " bytes left over after the " + type.getSimpleName()
                                + " record: the writer schema does not " + "describe these bytes");
            }
        } catch (IOException e) {
            throw new AvroDeserializationException(Reason.MALFORMED_PAYLOAD, topic, id, e.toString(), e);
        }
        return value;
    }

    private SpecificDatumReader<T> reader(String topic, int id) {
        SpecificDatumReader<T> r = readersByWriterId.get(id);
        if (r != null) {
            return r;
        }
        Schema writer;
        try {
            writer = client.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND || e.httpStatus() == 404) {
                throw new AvroDeserializationException(
                        Reason.UNKNOWN_SCHEMA_ID,
                        topic,
                        id,
                        "unknown schema id " + id + ": the registry has no such schema (" + e.getMessage() + ")",
                        e);
            }
            Reason reason = e.isTransient() ? Reason.REGISTRY_UNAVAILABLE : Reason.UNKNOWN_SCHEMA_ID;
            throw new AvroDeserializationException(
                    reason, topic, id, "cannot fetch schema id " + id + " from the registry: " + e.getMessage(), e);
        } catch (AvroRuntimeException e) {
            throw new AvroDeserializationException(
                    Reason.INCOMPATIBLE_SCHEMA,
                    topic,
                    id,
                    "schema id " + id + " is not a usable Avro schema: " + e.getMessage(),
                    e);
        }
        SchemaCompatibility.SchemaPairCompatibility pair =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new AvroDeserializationException(
                    Reason.INCOMPATIBLE_SCHEMA,
                    topic,
                    id,
                    "writer schema " + writer.getFullName() + " cannot be read as " + readerSchema.getFullName() + ": "
                            + pair.getResult().getIncompatibilities());
        }
        r = new SpecificDatumReader<>(writer, readerSchema, model);
        if (readersByWriterId.size() >= MAX_READERS) {
            // Records may carry any number of valid writer ids; starting over keeps this bounded without a lock on the
            // hot path (the schemas themselves stay in the registry client's cache).
            readersByWriterId.clear();
        }
        SpecificDatumReader<T> prev = readersByWriterId.putIfAbsent(id, r);
        return prev != null ? prev : r;
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            try {
                client.close();
            } catch (Exception ignored) {
                // nothing to release
            }
        }
    }
}
