package dev.probeval.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.RestSchemaRegistryClient;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.serde.AvroDeserializationException;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.serde.SpecificAvroSerde;
import dev.probeval.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST client and the serde against the real registry server over HTTP, and records through the real broker. */
class SerdeAgainstRegistryServerTest {
    static EmbeddedKafka kafka;
    static SchemaRegistryServer registry;
    static RestSchemaRegistryClient client;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.builder().build();
        registry = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .start();
        client = new RestSchemaRegistryClient(List.of(registry.url()), null);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static ScoredSample sample(int i) {
        return ScoredSample.newBuilder()
                .setRecordType(dev.probeval.avro.ScoredRecordType.SAMPLE)
                .setSampleId("s" + i)
                .setRequestId("req-" + (i % 3))
                .setModelVersion("m@1")
                .setPromptId("p")
                .setSampleIndex(i)
                .setKind(SampleKind.SAMPLED)
                .setSeed(i)
                .setScore(i / 10.0)
                .setLeaked(i >= 5)
                .setTokenCount(3)
                .setFinishReason(FinishReason.STOP)
                .setProducedAt(Instant.ofEpochMilli(1000L + i))
                .build();
    }

    @Test
    void shouldSpeakEveryClientCallTheSerdeAndToolsUse() {
        Schema v1 = new Schema.Parser().parse(SchemaRegistryServerTest.V1);
        Schema v2 = new Schema.Parser().parse(SchemaRegistryServerTest.V2);
        Schema breaking = new Schema.Parser().parse(SchemaRegistryServerTest.BREAKING);
        int id1 = client.register("client-value", v1);
        assertEquals(id1, client.register("client-value", v1));
        assertEquals(v1, client.getById(id1));
        assertTrue(client.testCompatibility("client-value", v2));
        assertFalse(client.testCompatibility("client-value", breaking));
        int id2 = client.register("client-value", v2);
        assertEquals(new SchemaMetadata("client-value", 2, id2, v2.toString()), client.getLatest("client-value"));
        assertEquals(id1, client.getVersion("client-value", 1).id());
        assertEquals(List.of(1, 2), client.getVersions("client-value"));
        assertTrue(client.getSubjects().contains("client-value"));
        assertEquals(1, client.lookup("client-value", v1).version());
        assertEquals(CompatibilityLevel.BACKWARD, client.getCompatibility(null));
        client.setCompatibility("client-value", CompatibilityLevel.FULL_TRANSITIVE);
        assertEquals(CompatibilityLevel.FULL_TRANSITIVE, client.getCompatibility("client-value"));
        assertEquals(CompatibilityLevel.BACKWARD, client.getCompatibility("unconfigured-value"));

        SchemaRegistryException incompatible =
                assertThrows(SchemaRegistryException.class, () -> client.register("client-value", breaking));
        assertEquals(409, incompatible.errorCode());
        SchemaRegistryException missing = assertThrows(SchemaRegistryException.class, () -> client.getById(424242));
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, missing.errorCode());
        assertFalse(missing.isTransient());
    }

    @Test
    void shouldRoundTripScoredSamplesThroughTheBrokerAndTheRegistry() throws Exception {
        Map<String, Object> serdeConfig = AvroSerdeConfig.forUrl(registry.url());
        try (Admin admin = kafka.admin()) {
            TopicAdmin.ensureTopics(admin, List.of(Topics.SAMPLES), 1, (short) 1);
        }
        Map<String, Object> pc = kafka.clientConfig();
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        try (SpecificAvroSerde<ScoredSample> serde = Topics.SAMPLES.valueSerde(serdeConfig);
                KafkaProducer<String, ScoredSample> producer =
                        new KafkaProducer<>(pc, new StringSerializer(), serde.serializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), "req-" + (i % 3), sample(i)))
                        .get();
            }
        }
        Map<String, Object> cc = kafka.clientConfig();
        cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ScoredSample> read = new ArrayList<>();
        try (SpecificAvroSerde<ScoredSample> serde = Topics.SAMPLES.valueSerde(serdeConfig);
                KafkaConsumer<String, ScoredSample> consumer =
                        new KafkaConsumer<>(cc, new StringDeserializer(), serde.deserializer())) {
            TopicPartition tp = new TopicPartition(Topics.SAMPLES.name(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (read.size() < 10 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
            }
        }
        List<ScoredSample> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add(sample(i));
        }
        assertEquals(expected, read);
        assertEquals(List.of(1), client.getVersions(Topics.SAMPLES.valueSubject()));
    }

    @Test
    void shouldReadOlderWriterVersionsAndRejectUnknownIdsOverHttp() throws Exception {
        String topic = "evolve.samples";
        String subject = topic + "-value";
        // v1: the current ScoredSample minus its optional fields text, logProbability and workerId.
        Schema current = ScoredSample.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!List.of("text", "logProbability", "workerId").contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema v1 = Schema.createRecord(current.getName(), "v1", current.getNamespace(), false, fields);
        int v1Id = client.register(subject, v1);
        GenericRecord old = new GenericData.Record(v1);
        ScoredSample s = sample(7);
        for (Schema.Field f : v1.getFields()) {
            Object v = s.get(f.name());
            if (v instanceof Enum<?> e) {
                v = new GenericData.EnumSymbol(f.schema(), e.name());
            } else if (v instanceof Instant t) {
                v = t.toEpochMilli();
            }
            old.put(f.name(), v);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v1).write(old, enc);
        enc.flush();

        try (SpecificAvroSerde<ScoredSample> serde = new SpecificAvroSerde<>(ScoredSample.class)) {
            serde.configure(AvroSerdeConfig.forUrl(registry.url()), false);
            // Registering the current schema as v2 passes the server's BACKWARD check.
            byte[] v2Bytes = serde.serializer().serialize(topic, sample(8));
            assertEquals(List.of(1, 2), client.getVersions(subject));
            assertEquals(sample(8), serde.deserializer().deserialize(topic, v2Bytes));

            ScoredSample fromV1 = serde.deserializer().deserialize(topic, WireFormat.frame(v1Id, out.toByteArray()));
            assertEquals("s7", fromV1.getSampleId());
            assertNull(fromV1.getText());
            assertEquals("", fromV1.getWorkerId());

            AvroDeserializationException unknown = assertThrows(
                    AvroDeserializationException.class,
                    () -> serde.deserializer().deserialize(topic, WireFormat.frame(777_777, out.toByteArray())));
            assertEquals(AvroDeserializationException.Reason.UNKNOWN_SCHEMA_ID, unknown.reason());
            assertTrue(unknown.getMessage().contains("unknown schema id 777777"), unknown.getMessage());
        }
    }

    @Test
    void shouldReportAnUnreachableRegistryAsTransientNotAsBadData() throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (SpecificAvroSerde<ScoredSample> serde = new SpecificAvroSerde<>(ScoredSample.class)) {
            serde.configure(AvroSerdeConfig.forUrl("http://127.0.0.1:" + deadPort), false);
            AvroDeserializationException e = assertThrows(
                    AvroDeserializationException.class,
                    () -> serde.deserializer().deserialize("t", WireFormat.frame(1, new byte[] {2, 'x'})));
            assertEquals(AvroDeserializationException.Reason.REGISTRY_UNAVAILABLE, e.reason());
            assertFalse(e.reason().isPoison());
        }
    }

    @Test
    void shouldReadRawConfluentFramedBytesFromTheBroker() throws Exception {
        // What a non-Java producer writing Confluent's format would put on the topic.
        String topic = "raw.framed";
        try (Admin admin = kafka.admin()) {
            TopicAdmin.ensure(admin, List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)));
        }
        Map<String, Object> cc = kafka.clientConfig();
        cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (SpecificAvroSerde<ScoredSample> serde =
                        Topics.SAMPLES.valueSerde(client, AvroSerdeConfig.forUrl(registry.url()));
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        kafka.clientConfig(),
                        new StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer());
                KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(cc, new StringDeserializer(), new ByteArrayDeserializer())) {
            byte[] framed = serde.serializer().serialize(topic, sample(3));
            producer.send(new ProducerRecord<>(topic, "req-0", framed)).get();
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<byte[]> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
            }
            assertEquals(0, got.get(0)[0]);
            assertEquals(sample(3), serde.deserializer().deserialize(topic, got.get(0)));
        }
    }
}
