package dev.probeval.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.serde.AvroClassSecurity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Avro contracts as data: what the schema files say, what the generated classes do, what a reader gets. */
class ContractsTest {
    /** The schema sources (Surefire runs in the module directory); types/ first, as the avro-maven-plugin imports it. */
    private static final Path AVRO_SOURCES = Path.of("src/main/avro");

    private static final List<Schema> TOP_LEVEL = List.of(
            EvalRequest.getClassSchema(),
            ScoredSample.getClassSchema(),
            PromptBounds.getClassSchema(),
            ModelVersionBounds.getClassSchema(),
            DeadLetter.getClassSchema());

    /**
     * Builders instantiate record-typed defaults (ScorerConfig, DecodingConfig), which Avro 1.12 allows only for trusted
     * classes; in production the serde installs this trust, here no serde runs first (and the schemas test JVM runs
     * without -Dorg.apache.avro.SERIALIZABLE_PACKAGES on purpose).
     */
    @BeforeAll
    static void trustGeneratedClasses() {
        AvroClassSecurity.trustProbevalClasses();
    }

    @Test
    void shouldDocumentEveryTypeAndField() {
        List<String> missing = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Schema s : TOP_LEVEL) {
            collectUndocumented(s, missing, seen);
        }
        assertTrue(missing.isEmpty(), "types/fields without doc: " + missing);
        assertTrue(
                seen.containsAll(Set.of(
                        "dev.probeval.avro.ScorerConfig",
                        "dev.probeval.avro.DecodingConfig",
                        "dev.probeval.avro.BoundMode",
                        "dev.probeval.avro.SampleKind",
                        "dev.probeval.avro.FinishReason",
                        "dev.probeval.avro.BoundsStatus")),
                "nested types reached: " + seen);
    }

    @Test
    void shouldGiveEveryNullableFieldANullDefault() {
        for (Schema s : TOP_LEVEL) {
            for (Schema.Field f : s.getFields()) {
                if (f.schema().getType() == Schema.Type.UNION) {
                    assertEquals(
                            Schema.Type.NULL, f.schema().getTypes().get(0).getType(), s.getName() + "." + f.name());
                    assertTrue(f.hasDefaultValue(), s.getName() + "." + f.name() + " is optional but has no default");
                }
            }
        }
    }

    @Test
    void shouldUseTheEnumSymbolsTheIssueNames() {
        assertEquals(
                List.of("CONBO", "SOUND", "ANYTIME"), BoundMode.getClassSchema().getEnumSymbols());
        assertEquals(List.of("SAMPLED", "GREEDY"), SampleKind.getClassSchema().getEnumSymbols());
        assertEquals(
                List.of("EOS", "LENGTH", "STOP"), FinishReason.getClassSchema().getEnumSymbols());
        assertEquals(
                List.of("PROVISIONAL", "FINAL", "ANYTIME"),
                BoundsStatus.getClassSchema().getEnumSymbols());
    }

    @Test
    void shouldBuildARequestFromRequiredFieldsAloneWithDocumentedDefaults() {
        EvalRequest r = EvalRequest.newBuilder()
                .setRequestId("r1")
                .setModelVersion("m@1")
                .setPromptId("p1")
                .setPrompt("Who wrote X?")
                .setNumSamples(128)
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build();
        assertEquals("default", r.getSuite());
        assertEquals("all", r.getSplit());
        assertEquals(0.01, r.getAlpha());
        assertEquals(BoundMode.SOUND, r.getBoundMode());
        assertTrue(r.getDrawGreedy());
        assertFalse(r.getLogSampleTexts());
        assertEquals(List.of(), r.getReferences());
        assertEquals(Map.of(), r.getAttributes());
        assertNotNull(r.getScorer());
        assertEquals(0.5, r.getScorer().getLeakThreshold());
        assertEquals(1.0, r.getDecoding().getTemperature());
        assertEquals(0, r.getDecoding().getTopK());
        assertEquals(0.9, r.getDecoding().getAdaptiveTemperatureThreshold());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), r.getCreatedAt());
    }

    @Test
    void shouldParseTheSchemaFilesIntoExactlyTheSchemasOfTheGeneratedClasses() throws IOException {
        Map<String, Schema> parsed = parseSources();
        for (Schema s : TOP_LEVEL) {
            Schema file = parsed.get(s.getFullName());
            assertNotNull(file, s.getFullName() + " has no schema file");
            // Parsing Canonical Form: names, types, order, symbols. It drops docs and defaults, so those are compared
            // too.
            // (Plain equals would also compare the avro.java.string hints the code generator adds.)
            assertEquals(
                    SchemaNormalization.toParsingForm(file), SchemaNormalization.toParsingForm(s), s.getFullName());
            assertSameDocsAndDefaults(file, s, s.getName(), new HashSet<>());
        }
        assertEquals(TOP_LEVEL.size(), parsed.size(), "top-level schema files: " + parsed.keySet());
    }

    @Test
    void shouldDeclareEveryNamedTypeInTheContractNamespaceWithoutJavaClassBindings() {
        // Contracts are language-neutral: only Avro types, all named ones in dev.probeval.avro, and no java-class hints
        // that would tie a field to a JVM type (a DJL or Kafka class, say) other languages could not read.
        Set<String> named = new HashSet<>();
        List<String> bound = new ArrayList<>();
        for (Schema s : TOP_LEVEL) {
            collectNamed(s, named, bound, s.getName());
        }
        assertTrue(bound.isEmpty(), "java-class bindings: " + bound);
        for (String name : named) {
            assertTrue(
                    name.startsWith("dev.probeval.avro.") && name.lastIndexOf('.') == "dev.probeval.avro".length(),
                    name + " is outside the contract namespace");
        }
        // the 12 named types of contract v2, plus StoppingRule, StoppingMetric, StoppingDecide and StoppingStatus
        assertEquals(16, named.size(), "named types: " + named);
    }

    @Test
    void shouldRoundTripARequestBuiltFromDefaultsThroughAGenericReaderOfTheSchemaFile() throws IOException {
        EvalRequest r = EvalRequest.newBuilder()
                .setRequestId("r1")
                .setModelVersion("m@1")
                .setPromptId("p1")
                .setPrompt("Who wrote X?")
                .setNumSamples(128)
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build();
        byte[] bytes = encode(r);

        // A reader that knows only the .avsc file, not the Java classes, sees the same fields and defaults.
        Schema fileSchema = parseSources().get(EvalRequest.getClassSchema().getFullName());
        GenericRecord g = new GenericDatumReader<GenericRecord>(EvalRequest.getClassSchema(), fileSchema)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        assertEquals("r1", g.get("requestId").toString());
        assertEquals("default", g.get("suite").toString());
        assertEquals(0.01, g.get("alpha"));
        assertEquals("SOUND", ((GenericEnumSymbol<?>) g.get("boundMode")).toString());
        assertEquals(0.5, ((GenericRecord) g.get("scorer")).get("leakThreshold"));
        assertEquals(1_700_000_000_000L, g.get("createdAt"), "timestamp-millis is a long on the wire");

        EvalRequest back = new SpecificDatumReader<>(EvalRequest.class)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        assertEquals(r, back);
    }

    @Test
    void shouldReadARecordWrittenBeforeAFieldWithADefaultExistedWithThatDefault() throws IOException {
        // Backward compatibility as Avro resolves it: a writer schema without the optional field, today's reader.
        Schema old = new Schema.Parser().parse("""
        {"type":"record","name":"EvalRequest","namespace":"dev.probeval.avro","fields":[
          {"name":"requestId","type":"string"},{"name":"modelVersion","type":"string"},
          {"name":"promptId","type":"string"},{"name":"prompt","type":"string"},{"name":"numSamples","type":"int"},
          {"name":"createdAt","type":{"type":"long","logicalType":"timestamp-millis"}}]}""");
        GenericRecord w = new GenericData.Record(old);
        w.put("requestId", "r0");
        w.put("modelVersion", "m@0");
        w.put("promptId", "p0");
        w.put("prompt", "q");
        w.put("numSamples", 4);
        w.put("createdAt", 5L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(old).write(w, enc);
        enc.flush();
        EvalRequest r = new SpecificDatumReader<EvalRequest>(old, EvalRequest.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals("r0", r.getRequestId());
        assertEquals(BoundMode.SOUND, r.getBoundMode());
        assertEquals(0.01, r.getAlpha());
        assertTrue(r.getDrawGreedy());
        assertEquals(128, r.getDecoding().getMaxNewTokens());
    }

    /** The top-level schemas of src/main/avro by full name, parsed by a fresh Avro parser (types first). */
    private static Map<String, Schema> parseSources() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (Path f : avsc(AVRO_SOURCES.resolve("types"))) {
            parser.parse(f.toFile());
        }
        Map<String, Schema> top = new TreeMap<>();
        for (Path f : avsc(AVRO_SOURCES)) {
            Schema s = parser.parse(f.toFile());
            top.put(s.getFullName(), s);
        }
        return top;
    }

    private static List<Path> avsc(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        }
    }

    private static void assertSameDocsAndDefaults(Schema file, Schema generated, String where, Set<String> done) {
        switch (file.getType()) {
            case RECORD -> {
                if (!done.add(file.getFullName())) {
                    return;
                }
                assertEquals(file.getDoc(), generated.getDoc(), where + " doc");
                for (Schema.Field f : file.getFields()) {
                    Schema.Field g = generated.getField(f.name());
                    String at = where + "." + f.name();
                    assertEquals(f.doc(), g.doc(), at + " doc");
                    assertEquals(f.hasDefaultValue(), g.hasDefaultValue(), at + " has a default");
                    if (f.hasDefaultValue()) {
                        assertEquals(f.defaultVal(), g.defaultVal(), at + " default");
                    }
                    assertSameDocsAndDefaults(f.schema(), g.schema(), at, done);
                }
            }
            case ENUM -> assertEquals(file.getDoc(), generated.getDoc(), where + " doc");
            case UNION -> {
                for (int i = 0; i < file.getTypes().size(); i++) {
                    assertSameDocsAndDefaults(
                            file.getTypes().get(i), generated.getTypes().get(i), where, done);
                }
            }
            case ARRAY -> assertSameDocsAndDefaults(file.getElementType(), generated.getElementType(), where, done);
            case MAP -> assertSameDocsAndDefaults(file.getValueType(), generated.getValueType(), where, done);
            default -> {}
        }
    }

    private static byte[] encode(EvalRequest r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(EvalRequest.class).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    private static void collectNamed(Schema s, Set<String> named, List<String> bound, String where) {
        for (String prop : List.of("java-class", "java-key-class", "java-element-class")) {
            if (s.getProp(prop) != null) {
                bound.add(where + " " + prop + "=" + s.getProp(prop));
            }
        }
        switch (s.getType()) {
            case RECORD -> {
                if (named.add(s.getFullName())) {
                    for (Schema.Field f : s.getFields()) {
                        collectNamed(f.schema(), named, bound, s.getName() + "." + f.name());
                    }
                }
            }
            case ENUM, FIXED -> named.add(s.getFullName());
            case UNION -> s.getTypes().forEach(t -> collectNamed(t, named, bound, where));
            case ARRAY -> collectNamed(s.getElementType(), named, bound, where);
            case MAP -> collectNamed(s.getValueType(), named, bound, where);
            default -> {}
        }
    }

    @Test
    void shouldAcceptDefaultsAsValidDataForTheirField() {
        for (Schema s : TOP_LEVEL) {
            for (Schema.Field f : s.getFields()) {
                if (f.hasDefaultValue()) {
                    Object d = GenericData.get().getDefaultValue(f);
                    assertTrue(GenericData.get().validate(f.schema(), d), s.getName() + "." + f.name());
                }
            }
        }
    }

    private static void collectUndocumented(Schema s, List<String> missing, Set<String> seen) {
        switch (s.getType()) {
            case RECORD -> {
                if (!seen.add(s.getFullName())) {
                    return;
                }
                if (blank(s.getDoc())) {
                    missing.add(s.getFullName());
                }
                for (Schema.Field f : s.getFields()) {
                    if (blank(f.doc())) {
                        missing.add(s.getName() + "." + f.name());
                    }
                    collectUndocumented(f.schema(), missing, seen);
                }
            }
            case ENUM -> {
                if (seen.add(s.getFullName()) && blank(s.getDoc())) {
                    missing.add(s.getFullName());
                }
            }
            case UNION -> s.getTypes().forEach(t -> collectUndocumented(t, missing, seen));
            case ARRAY -> collectUndocumented(s.getElementType(), missing, seen);
            case MAP -> collectUndocumented(s.getValueType(), missing, seen);
            default -> {}
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
