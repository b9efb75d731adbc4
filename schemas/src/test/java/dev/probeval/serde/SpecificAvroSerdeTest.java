package dev.probeval.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryState;
import dev.probeval.registry.mock.MockSchemaRegistry;
import dev.probeval.serde.AvroDeserializationException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SpecificAvroSerdeTest {
    private static final String TOPIC = "probeval.samples.v1";

    /** ScoredSample as a first release would have had it: no text, logProbability or workerId. */
    private static final String SCORED_SAMPLE_V1 = """
      {"type":"record","name":"ScoredSample","namespace":"dev.probeval.avro","fields":[
        {"name":"sampleId","type":"string"},{"name":"requestId","type":"string"},
        {"name":"modelVersion","type":"string"},{"name":"promptId","type":"string"},
        {"name":"suite","type":"string","default":"default"},{"name":"split","type":"string","default":"all"},
        {"name":"sampleIndex","type":"int"},
        {"name":"kind","type":{"type":"enum","name":"SampleKind","symbols":["SAMPLED","GREEDY"]}},
        {"name":"seed","type":"long"},{"name":"score","type":"double"},{"name":"leaked","type":"boolean"},
        {"name":"tokenCount","type":"int"},
        {"name":"finishReason","type":{"type":"enum","name":"FinishReason","symbols":["EOS","LENGTH","STOP"]}},
        {"name":"producedAt","type":{"type":"long","logicalType":"timestamp-millis"}}]}""";

    private String scope;
    private SchemaRegistryState registry;
    private SpecificAvroSerde<ScoredSample> serde;

    @BeforeEach
    void setUp() {
        scope = Fixtures.mockScope();
        registry = MockSchemaRegistry.scope(scope);
        serde = new SpecificAvroSerde<>(ScoredSample.class);
        serde.configure(Fixtures.config(scope), false);
    }

    @AfterEach
    void tearDown() {
        serde.close();
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void shouldReadADeadLetterFramedAndEncodedByHand() {
        // Put the DeadLetter schema at id 4242 = 0x00001092, then frame and Avro-encode a record byte by byte.
        registry.apply(new SchemaMetadata(
                "probeval.dead-letters.v1-value",
                1,
                4242,
                DeadLetter.getClassSchema().toString()));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x00, 0x00, 0x00, 0x10, (byte) 0x92}); // magic byte, schema id big-endian
        avroString(b, "probeval.samples.v1"); // sourceTopic
        zigzag(b, 3); // sourcePartition
        zigzag(b, 1234567890123L); // sourceOffset
        zigzag(b, 1); // key: union branch 1 (bytes)
        avroBytes(b, "req-9".getBytes(StandardCharsets.UTF_8));
        zigzag(b, 0); // value: union branch 0 (null)
        avroString(b, "dev.probeval.serde.AvroDeserializationException");
        avroString(b, "unknown schema id 99 – naïve");
        avroString(b, "UNKNOWN_SCHEMA_ID"); // reasonCode
        zigzag(b, 1_700_000_000_000L); // failedAt
        zigzag(b, 0); // keyTruncatedFrom: union branch 0 (null)
        zigzag(b, 0); // valueTruncatedFrom: null

        try (SpecificAvroDeserializer<DeadLetter> d = new SpecificAvroDeserializer<>(DeadLetter.class)) {
            d.configure(Fixtures.config(scope), false);
            DeadLetter dl = d.deserialize("probeval.dead-letters.v1", b.toByteArray());
            assertEquals("probeval.samples.v1", dl.getSourceTopic());
            assertEquals(3, dl.getSourcePartition());
            assertEquals(1234567890123L, dl.getSourceOffset());
            assertEquals("req-9", StandardCharsets.UTF_8.decode(dl.getKey()).toString());
            assertNull(dl.getValue());
            assertEquals("dev.probeval.serde.AvroDeserializationException", dl.getErrorClass());
            assertEquals("unknown schema id 99 – naïve", dl.getReason());
            assertEquals("UNKNOWN_SCHEMA_ID", dl.getReasonCode());
            assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), dl.getFailedAt());
        }
    }

    @Test
    void shouldWriteMagicByteThenBigEndianSchemaIdThenAvroBinary() throws Exception {
        ScoredSample s = Fixtures.sample(5, 0.75);
        byte[] bytes = serde.serializer().serialize(TOPIC, s);

        int id = registry.lookup(TOPIC + "-value", ScoredSample.getClassSchema().toString())
                .id();
        assertEquals(0, bytes[0]);
        assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt());
        GenericRecord g = new GenericDatumReader<GenericRecord>(ScoredSample.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertEquals("sid-5", g.get("sampleId").toString());
        assertEquals(0.75, g.get("score"));
        assertEquals(1_700_000_000_123L, g.get("producedAt"));
    }

    @Test
    void shouldRoundTripAndRegisterUnderTopicNameStrategySubject() {
        ScoredSample s = Fixtures.sample(1, 0.25);
        byte[] bytes = serde.serializer().serialize(TOPIC, s);
        assertEquals(s, serde.deserializer().deserialize(TOPIC, bytes));
        assertEquals(java.util.List.of(TOPIC + "-value"), registry.subjects());
        assertNull(serde.serializer().serialize(TOPIC, null));
        assertNull(serde.deserializer().deserialize(TOPIC, null));
    }

    @Test
    void shouldResolveAnOlderWriterSchemaToTheCurrentReaderWithDefaults() throws Exception {
        Schema v1 = new Schema.Parser().parse(SCORED_SAMPLE_V1);
        int v1Id = registry.register(TOPIC + "-value", SCORED_SAMPLE_V1).id();
        GenericRecord old = new GenericData.Record(v1);
        old.put("sampleId", "sid-0");
        old.put("requestId", "req-1");
        old.put("modelVersion", "m1");
        old.put("promptId", "p");
        old.put("suite", "tofu");
        old.put("split", "retain");
        old.put("sampleIndex", 0);
        old.put("kind", new GenericData.EnumSymbol(v1.getField("kind").schema(), "GREEDY"));
        old.put("seed", 7L);
        old.put("score", 0.5);
        old.put("leaked", true);
        old.put("tokenCount", 9);
        old.put(
                "finishReason",
                new GenericData.EnumSymbol(v1.getField("finishReason").schema(), "LENGTH"));
        old.put("producedAt", 1000L);
        byte[] framed = WireFormat.frame(v1Id, encode(v1, old));

        // The current schema is a BACKWARD-compatible next version of v1.
        int v2Id = registry.register(
                        TOPIC + "-value", ScoredSample.getClassSchema().toString())
                .id();
        assertTrue(v2Id != v1Id);

        ScoredSample read = serde.deserializer().deserialize(TOPIC, framed);
        assertEquals("sid-0", read.getSampleId());
        assertEquals(SampleKind.GREEDY, read.getKind());
        assertEquals(FinishReason.LENGTH, read.getFinishReason());
        assertNull(read.getText());
        assertNull(read.getLogProbability());
        assertEquals("", read.getWorkerId());
        assertEquals(Instant.ofEpochMilli(1000L), read.getProducedAt());

        // And a record written by the current serializer carries the v2 id and reads back unchanged.
        byte[] current = serde.serializer().serialize(TOPIC, Fixtures.sample(2, 0.9));
        assertEquals(v2Id, ByteBuffer.wrap(current, 1, 4).getInt());
        assertEquals(Fixtures.sample(2, 0.9), serde.deserializer().deserialize(TOPIC, current));
    }

    @Test
    void shouldIgnoreFieldsANewerWriterAdded() throws Exception {
        Schema v3 = withExtraField(ScoredSample.getClassSchema());
        int v3Id = registry.register("other-value", v3.toString()).id();
        GenericRecord rec = toGeneric(Fixtures.sample(3, 0.1), v3);
        rec.put("gpu", "h100");
        ScoredSample read = serde.deserializer().deserialize(TOPIC, WireFormat.frame(v3Id, encode(v3, rec)));
        assertEquals(Fixtures.sample(3, 0.1), read);
    }

    @Test
    void shouldWriteWithTheLatestSchemaWhenUseLatestVersionIsSet() throws Exception {
        registry.register(TOPIC + "-value", ScoredSample.getClassSchema().toString());
        Schema v3 = withExtraField(ScoredSample.getClassSchema());
        SchemaMetadata latest = registry.register(TOPIC + "-value", v3.toString());

        Map<String, Object> cfg = Fixtures.config(scope);
        cfg.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        cfg.put(AvroSerdeConfig.USE_LATEST_VERSION, true);
        try (SpecificAvroSerde<ScoredSample> latestSerde = new SpecificAvroSerde<>(ScoredSample.class)) {
            latestSerde.configure(cfg, false);
            byte[] bytes = latestSerde.serializer().serialize(TOPIC, Fixtures.sample(4, 0.4));
            assertEquals(latest.id(), ByteBuffer.wrap(bytes, 1, 4).getInt());
            GenericRecord g = new GenericDatumReader<GenericRecord>(v3)
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
            assertEquals("cpu", g.get("gpu").toString());
            assertEquals(Fixtures.sample(4, 0.4), latestSerde.deserializer().deserialize(TOPIC, bytes));
        }
    }

    @Test
    void shouldRefuseToWriteAnUnregisteredSchemaWhenAutoRegisterIsOff() {
        Map<String, Object> cfg = Fixtures.config(scope);
        cfg.put(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        try (SpecificAvroSerde<ScoredSample> s = new SpecificAvroSerde<>(ScoredSample.class)) {
            s.configure(cfg, false);
            SerializationException e = assertThrows(
                    SerializationException.class, () -> s.serializer().serialize(TOPIC, Fixtures.sample(0, 0)));
            assertTrue(e.getMessage().contains(TOPIC + "-value"), e.getMessage());
            assertTrue(e.getMessage().contains("not found"), e.getMessage());
        }
    }

    @Test
    void shouldRejectABadMagicByteNamingIt() {
        byte[] bytes = serde.serializer().serialize(TOPIC, Fixtures.sample(0, 0.3));
        bytes[0] = '{';
        AvroDeserializationException e = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, bytes));
        assertEquals(Reason.BAD_MAGIC_BYTE, e.reason());
        assertTrue(e.getMessage().contains("magic byte 0x7b"), e.getMessage());
        assertTrue(e.getMessage().contains(TOPIC), e.getMessage());
        assertTrue(e.reason().isPoison());
    }

    @Test
    void shouldRejectAnUnknownSchemaIdNamingIt() {
        byte[] bytes = serde.serializer().serialize(TOPIC, Fixtures.sample(0, 0.3));
        ByteBuffer.wrap(bytes).putInt(1, 99_999);
        AvroDeserializationException e = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, bytes));
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
        assertEquals(99_999, e.schemaId());
        assertTrue(e.getMessage().contains("unknown schema id 99999"), e.getMessage());
    }

    @Test
    void shouldRejectTruncatedHeaderAndTruncatedPayload() {
        AvroDeserializationException header = assertThrows(
                AvroDeserializationException.class,
                () -> serde.deserializer().deserialize(TOPIC, new byte[] {0, 0, 1}));
        assertEquals(Reason.TRUNCATED, header.reason());
        assertTrue(header.getMessage().contains("3 bytes"), header.getMessage());

        AvroDeserializationException empty = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, new byte[0]));
        assertEquals(Reason.TRUNCATED, empty.reason());

        byte[] full = serde.serializer().serialize(TOPIC, Fixtures.sample(0, 0.3));
        byte[] cut = Arrays.copyOf(full, full.length - 4);
        AvroDeserializationException payload = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, cut));
        assertEquals(Reason.TRUNCATED, payload.reason());
        assertTrue(payload.getMessage().contains("ends before"), payload.getMessage());
    }

    @Test
    void shouldRejectTrailingBytes() {
        byte[] full = serde.serializer().serialize(TOPIC, Fixtures.sample(0, 0.3));
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        AvroDeserializationException e = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, longer));
        assertEquals(Reason.MALFORMED_PAYLOAD, e.reason());
        assertTrue(e.getMessage().contains("3 bytes left over"), e.getMessage());
    }

    @Test
    void shouldRejectARecordOfAnotherTypeAsIncompatible() {
        try (SpecificAvroSerde<EvalRequest> requests = new SpecificAvroSerde<>(EvalRequest.class)) {
            requests.configure(Fixtures.config(scope), false);
            byte[] bytes = requests.serializer()
                    .serialize(
                            "probeval.eval-requests.v1",
                            EvalRequest.newBuilder()
                                    .setRequestId("r")
                                    .setModelVersion("m")
                                    .setPromptId("p")
                                    .setPrompt("q")
                                    .setNumSamples(1)
                                    .setCreatedAt(Instant.EPOCH)
                                    .build());
            AvroDeserializationException e = assertThrows(
                    AvroDeserializationException.class,
                    () -> serde.deserializer().deserialize(TOPIC, bytes));
            assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
            assertTrue(e.getMessage().contains("EvalRequest"), e.getMessage());
        }
    }

    @Test
    void shouldDecodeGarbageAsAClearErrorNotACrash() {
        byte[] good = serde.serializer().serialize(TOPIC, Fixtures.sample(0, 0.3));
        byte[] garbage = new byte[64];
        System.arraycopy(good, 0, garbage, 0, 5);
        Arrays.fill(garbage, 5, garbage.length, (byte) 0xff);
        AvroDeserializationException e = assertThrows(
                AvroDeserializationException.class, () -> serde.deserializer().deserialize(TOPIC, garbage));
        assertTrue(e.reason() == Reason.MALFORMED_PAYLOAD || e.reason() == Reason.TRUNCATED, e.toString());
    }

    @Test
    void shouldShareOneRegistryClientPerConfiguredSerde() {
        SchemaRegistryClient c = MockSchemaRegistry.client(scope);
        try (SpecificAvroSerde<ScoredSample> s =
                SpecificAvroSerde.configured(ScoredSample.class, c, Fixtures.config(scope))) {
            byte[] bytes = s.serializer().serialize(TOPIC, Fixtures.sample(8, 1.0));
            assertArrayEquals(bytes, serde.serializer().serialize(TOPIC, Fixtures.sample(8, 1.0)));
        }
    }

    static Schema withExtraField(Schema base) {
        String json = base.toString();
        String extra = "{\"name\":\"gpu\",\"type\":\"string\",\"default\":\"cpu\",\"doc\":\"added in v3\"}";
        int end = json.lastIndexOf("]");
        return new Schema.Parser().parse(json.substring(0, end) + "," + extra + json.substring(end));
    }

    private static GenericRecord toGeneric(ScoredSample s, Schema target) throws Exception {
        byte[] own = encodeSpecific(s);
        return new GenericDatumReader<GenericRecord>(ScoredSample.getClassSchema(), target)
                .read(null, DecoderFactory.get().binaryDecoder(own, null));
    }

    private static byte[] encodeSpecific(ScoredSample s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<ScoredSample>(ScoredSample.class).write(s, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static byte[] encode(Schema schema, GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    /** Avro int/long: zig-zag, then base-128 varint, least significant group first. */
    private static void zigzag(ByteArrayOutputStream b, long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            b.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        b.write((int) z);
    }

    private static void avroBytes(ByteArrayOutputStream b, byte[] data) {
        zigzag(b, data.length);
        b.writeBytes(data);
    }

    private static void avroString(ByteArrayOutputStream b, String s) {
        avroBytes(b, s.getBytes(StandardCharsets.UTF_8));
    }
}
