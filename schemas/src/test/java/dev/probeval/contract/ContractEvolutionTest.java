package dev.probeval.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaRegistryState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract's v1 → v2 change (boundMode default SOUND, suiteSize, reasonCode, the REJECTED record type, the
 * roll-up's alpha/mode/suiteSize/complete) is a compatible evolution under the registry's BACKWARD rule: checked with
 * the registry's own rules ({@link SchemaRegistryState}, what the embedded registry server runs), registering the
 * previous schemas (src/test/resources/contract/v1, the full schemas as they were) and then today's.
 */
class ContractEvolutionTest {
    static {
        dev.probeval.serde.AvroClassSecurity.trustProbevalClasses();
    }

    private static final Path V1 = Path.of("src/test/resources/contract/v1");

    private static String v1(String name) throws IOException {
        return Files.readString(V1.resolve(name + ".avsc"));
    }

    private static Schema now(String name) {
        return switch (name) {
            case "EvalRequest" -> EvalRequest.getClassSchema();
            case "ScoredSample" -> ScoredSample.getClassSchema();
            case "DeadLetter" -> DeadLetter.getClassSchema();
            case "ModelVersionBounds" -> ModelVersionBounds.getClassSchema();
            case "PromptBounds" -> PromptBounds.getClassSchema();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"EvalRequest", "ScoredSample", "DeadLetter", "ModelVersionBounds"})
    void shouldRegisterTodaysSchemaOverThePreviousOneUnderBackward(String name) throws IOException {
        SchemaRegistryState registry = new SchemaRegistryState(CompatibilityLevel.BACKWARD);
        String subject = "probeval." + name + "-value";
        registry.register(subject, v1(name));
        SchemaRegistryState.CompatibilityResult check =
                registry.checkCompatibility(subject, now(name).toString(), null);
        assertTrue(check.compatible(), name + ": " + check.messages());
        assertEquals(2, registry.register(subject, now(name).toString()).version());
    }

    private static final Path V2 = Path.of("src/test/resources/contract/v2");

    /**
     * The v2 → current change (early stopping: EvalRequest.stoppingRule, ScoredSample.stoppingStatus / streamLength,
     * PromptBounds.stoppingStatus / decidedAtN) over the v2 schemas (contract/v2).
     */
    @ParameterizedTest
    @ValueSource(strings = {"EvalRequest", "ScoredSample", "DeadLetter", "ModelVersionBounds", "PromptBounds"})
    void shouldRegisterTodaysSchemaOverTheSchemaBeforeEarlyStoppingUnderBackward(String name) throws IOException {
        SchemaRegistryState registry = new SchemaRegistryState(CompatibilityLevel.BACKWARD);
        String subject = "probeval." + name + "-value";
        registry.register(subject, Files.readString(V2.resolve(name + ".avsc")));
        SchemaRegistryState.CompatibilityResult check =
                registry.checkCompatibility(subject, now(name).toString(), null);
        assertTrue(check.compatible(), name + ": " + check.messages());
    }

    @Test
    void shouldReadARequestWrittenBeforeEarlyStoppingWithoutARule() throws IOException {
        Schema v2 = new Schema.Parser().parse(Files.readString(V2.resolve("EvalRequest.avsc")));
        assertNull(v2.getField("stoppingRule"));
        GenericRecord w = new GenericData.Record(v2);
        for (Schema.Field f : v2.getFields()) {
            if (f.hasDefaultValue()) {
                w.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        w.put("requestId", "r0");
        w.put("modelVersion", "m@0");
        w.put("promptId", "p0");
        w.put("prompt", "q");
        w.put("numSamples", 4);
        w.put("createdAt", 5L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(w, enc);
        enc.flush();
        EvalRequest r = new SpecificDatumReader<EvalRequest>(v2, EvalRequest.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertNull(r.getStoppingRule());
        assertEquals(4, r.getNumSamples());
    }

    @Test
    void shouldHaveChangedTheSchemasSoTheCheckIsNotVacuous() throws IOException {
        assertFalse(SchemaRegistryState.canonical(v1("EvalRequest"))
                .equals(SchemaRegistryState.canonical(
                        EvalRequest.getClassSchema().toString())));
        // and the checker does refuse a breaking change: a new required field without a default
        SchemaRegistryState registry = new SchemaRegistryState(CompatibilityLevel.BACKWARD);
        registry.register("s-value", v1("DeadLetter"));
        String breaking = v1("DeadLetter")
                .replace("\"fields\": [", "\"fields\": [{\"name\": \"mustHave\", \"type\": \"string\"},");
        assertFalse(registry.checkCompatibility("s-value", breaking, null).compatible());
    }

    @Test
    void shouldReadAnOldRequestWithoutBoundModeAsSoundAndWithoutSuiteSize() throws IOException {
        Schema old = new Schema.Parser().parse(v1("EvalRequest"));
        Schema noMode = new Schema.Parser()
                .parse(v1("EvalRequest")
                        .replaceAll("(?s),\\s*\\{\\s*\"name\": \"boundMode\".*?\"default\": \"CONBO\"\\s*\\}", ""));
        assertNull(noMode.getField("boundMode"));
        GenericRecord w = new GenericData.Record(noMode);
        for (Schema.Field f : noMode.getFields()) {
            if (f.hasDefaultValue()) {
                w.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        w.put("requestId", "r0");
        w.put("modelVersion", "m@0");
        w.put("promptId", "p0");
        w.put("prompt", "q");
        w.put("numSamples", 4);
        w.put("createdAt", 5L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(noMode).write(w, enc);
        enc.flush();
        EvalRequest r = new SpecificDatumReader<EvalRequest>(noMode, EvalRequest.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertEquals(BoundMode.SOUND, r.getBoundMode());
        assertNull(r.getSuiteSize());
        assertTrue(old.getField("suiteSize") == null);
    }
}
