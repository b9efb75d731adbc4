package dev.probeval.serde;

import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.registry.SchemaRegistryState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro record in Confluent's wire format. The schema id comes from the registry under the
 * TopicNameStrategy subject: registered on first use ({@code auto.register.schemas=true}, the default), looked up
 * ({@code auto.register.schemas=false}), or the subject's latest version ({@code use.latest.version=true}, the record
 * then transcoded to that schema, which must be able to read it). Ids are cached per subject.
 */
final class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private final Class<T> type;
    private final Schema schema;
    private final SpecificData model;
    /** Stateless once built, so one instance serves every producer thread. */
    private final SpecificDatumWriter<T> writer;

    private SchemaRegistryClient client;
    private boolean ownsClient;
    private AvroSerdeConfig config;
    private boolean isKey;
    private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
    private final Map<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    private record Latest(SchemaMetadata metadata, Schema schema, long fetchedAtMs) {}

    /** A serializer that creates its own registry client in {@link #configure}. */
    public SpecificAvroSerializer(Class<T> type) {
        this(type, null);
    }

    /** A serializer on a shared registry client; {@link #configure} must still be called for the other settings. */
    public SpecificAvroSerializer(Class<T> type, SchemaRegistryClient client) {
        this.type = type;
        this.model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.writer = new SpecificDatumWriter<>(schema, model);
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
        AvroClassSecurity.trustProbevalClasses();
        this.config = AvroSerdeConfig.from(configs);
        this.isKey = isKey;
        if (client == null) {
            client = config.createClient();
            ownsClient = true;
        }
    }

    /** The schema records are written with when {@code use.latest.version} is off. */
    public Schema schema() {
        return schema;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (config == null) {
            throw new IllegalStateException(
                    "SpecificAvroSerializer<" + type.getSimpleName() + "> used before configure()");
        }
        String subject = SubjectNames.topicNameStrategy(topic, isKey);
        try {
            byte[] own = encode(data);
            if (config.useLatestVersion()) {
                Latest latest = latest(subject);
                if (latest.schema().equals(schema)) {
                    return WireFormat.frame(latest.metadata().id(), own);
                }
                return WireFormat.frame(latest.metadata().id(), transcode(own, latest.schema(), subject));
            }
            return WireFormat.frame(schemaId(subject), own);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(
                    "Cannot get a schema id for subject " + subject + " (" + type.getSimpleName() + "): "
                            + e.getMessage(),
                    e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException(
                    "Cannot serialize " + type.getSimpleName() + " for topic " + topic + ": " + e, e);
        }
    }

    private int schemaId(String subject) {
        Integer id = idsBySubject.get(subject);
        if (id == null) {
            id = config.autoRegisterSchemas()
                    ? client.register(subject, schema)
                    : client.lookup(subject, schema).id();
            idsBySubject.put(subject, id);
        }
        return id;
    }

    private Latest latest(String subject) {
        long now = System.currentTimeMillis();
        Latest cached = latestBySubject.get(subject);
        long ttl = config.latestCacheTtlSec();
        if (cached != null && (ttl < 0 || now - cached.fetchedAtMs() < ttl * 1000)) {
            return cached;
        }
        SchemaMetadata m = client.getLatest(subject);
        Schema s = m.schema() != null ? SchemaRegistryState.parse(m.schema()) : client.getById(m.id());
        Latest l = new Latest(m, s, now);
        latestBySubject.put(subject, l);
        return l;
    }

    private byte[] encode(T data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(data, enc);
        enc.flush();
        return out.toByteArray();
    }

    /** Re-encodes bytes written with our schema under the subject's latest schema (Avro schema resolution). */
    private byte[] transcode(byte[] own, Schema latest, String subject) throws IOException {
        SchemaCompatibility.SchemaPairCompatibility pair =
                SchemaCompatibility.checkReaderWriterCompatibility(latest, schema);
        if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException("use.latest.version: the latest schema of subject " + subject
                    + " cannot represent " + type.getName() + " records: " + pair.getDescription());
        }
        Object generic = new GenericDatumReader<>(schema, latest)
                .read(null, DecoderFactory.get().binaryDecoder(own, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream(own.length + 16);
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(latest).write(generic, enc);
        enc.flush();
        return out.toByteArray();
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            try {
                client.close();
            } catch (Exception ignored) {
                // closing a registry client releases nothing that matters
            }
        }
    }
}
