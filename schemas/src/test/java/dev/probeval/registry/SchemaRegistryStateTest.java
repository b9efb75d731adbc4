package dev.probeval.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaRegistryStateTest {
    static final String V1 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    static final String V1_SPACED =
            "{ \"type\" : \"record\", \"name\" : \"R\", \"fields\" : [ {\"type\":\"int\",\"name\":\"a\"} ] }";
    /** Adds a field with a default: BACKWARD-compatible. */
    static final String V2 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
            + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}";
    /** Adds a field without a default: new readers cannot read old data. */
    static final String V2_BREAKING =
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                    + "{\"name\":\"c\",\"type\":\"long\"}]}";
    /** Drops field a: BACKWARD-compatible (reader ignores it) but not FORWARD (old readers need a, no default). */
    static final String V3_DROP_A = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}";

    @Test
    void shouldRegisterIdempotentlyIgnoringWhitespaceAndAttributeOrder() {
        SchemaRegistryState s = new SchemaRegistryState();
        SchemaMetadata first = s.register("t-value", V1);
        SchemaMetadata again = s.register("t-value", V1_SPACED);
        assertEquals(first, again);
        assertEquals(1, first.version());
        assertEquals(1, first.id());
        assertEquals(List.of(1), s.versions("t-value"));
    }

    @Test
    void shouldShareIdsAcrossSubjectsAndNumberVersionsPerSubject() {
        SchemaRegistryState s = new SchemaRegistryState();
        SchemaMetadata a = s.register("a-value", V1);
        SchemaMetadata b = s.register("b-value", V1);
        assertEquals(a.id(), b.id());
        SchemaMetadata a2 = s.register("a-value", V2);
        assertEquals(2, a2.version());
        assertNotEquals(a.id(), a2.id());
        assertEquals(a2, s.latest("a-value"));
        assertEquals(List.of("a-value", "b-value"), s.subjects());
        assertEquals(
                List.of(a, a2),
                List.of(s.usagesOf(a.id()).get(0), s.usagesOf(a2.id()).get(0)));
    }

    @Test
    void shouldRejectABackwardIncompatibleSchemaWith409AndReasons() {
        SchemaRegistryState s = new SchemaRegistryState();
        s.register("t-value", V1);
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> s.register("t-value", V2_BREAKING));
        assertEquals(409, e.httpStatus());
        assertEquals(SchemaRegistryException.INCOMPATIBLE_SCHEMA, e.errorCode());
        assertTrue(e.getMessage().contains("READER_FIELD_MISSING_DEFAULT_VALUE"), e.getMessage());
        assertFalse(s.checkCompatibility("t-value", V2_BREAKING, null).compatible());
        assertTrue(s.checkCompatibility("t-value", V2, null).compatible());
        assertEquals(List.of(1), s.versions("t-value"));
    }

    @Test
    void shouldHonourSubjectLevelsAndTransitivity() {
        SchemaRegistryState s = new SchemaRegistryState();
        s.register("t-value", V1);
        s.register("t-value", V2);
        // FORWARD: v2 (latest) must read data written with V3_DROP_A; it can, b has a default... but a has none.
        s.applyConfig("t-value", CompatibilityLevel.FORWARD);
        assertFalse(s.checkCompatibility("t-value", V3_DROP_A, null).compatible());
        s.applyConfig("t-value", CompatibilityLevel.BACKWARD);
        assertTrue(s.checkCompatibility("t-value", V3_DROP_A, null).compatible());
        s.applyConfig("t-value", CompatibilityLevel.NONE);
        assertTrue(s.checkCompatibility("t-value", V2_BREAKING, null).compatible());
        s.applyConfig("t-value", null);
        assertEquals(CompatibilityLevel.BACKWARD, s.compatibility("t-value"));

        // BACKWARD_TRANSITIVE checks every version: a schema only compatible with the latest one fails.
        SchemaRegistryState t = new SchemaRegistryState(CompatibilityLevel.NONE);
        t.register("x", V1);
        t.register("x", V3_DROP_A);
        String needsB = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"}]}";
        t.applyConfig(null, CompatibilityLevel.BACKWARD);
        assertTrue(t.checkCompatibility("x", needsB, null).compatible());
        t.applyConfig(null, CompatibilityLevel.BACKWARD_TRANSITIVE);
        assertFalse(t.checkCompatibility("x", needsB, null).compatible());
    }

    @Test
    void shouldAnswerNotFoundWithConfluentCodes() {
        SchemaRegistryState s = new SchemaRegistryState();
        assertEquals(
                SchemaRegistryException.SUBJECT_NOT_FOUND,
                assertThrows(SchemaRegistryException.class, () -> s.latest("nope"))
                        .errorCode());
        assertEquals(
                SchemaRegistryException.SCHEMA_NOT_FOUND,
                assertThrows(SchemaRegistryException.class, () -> s.schemaById(7))
                        .errorCode());
        s.register("t", V1);
        assertEquals(
                SchemaRegistryException.VERSION_NOT_FOUND,
                assertThrows(SchemaRegistryException.class, () -> s.version("t", 5))
                        .errorCode());
        assertEquals(
                SchemaRegistryException.SCHEMA_NOT_FOUND,
                assertThrows(SchemaRegistryException.class, () -> s.lookup("t", V2))
                        .errorCode());
        SchemaRegistryException invalid =
                assertThrows(SchemaRegistryException.class, () -> s.register("t", "{\"type\":"));
        assertEquals(SchemaRegistryException.INVALID_SCHEMA, invalid.errorCode());
        assertEquals(422, invalid.httpStatus());
        assertEquals(
                SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                assertThrows(SchemaRegistryException.class, () -> CompatibilityLevel.parse("SIDEWAYS"))
                        .errorCode());
    }

    @Test
    void shouldKeepIdsWhenReplayedFromStorage() {
        SchemaRegistryState s = new SchemaRegistryState();
        SchemaMetadata a = s.register("a", V1);
        SchemaMetadata b = s.register("a", V2);
        SchemaRegistryState replay = new SchemaRegistryState();
        replay.apply(a);
        replay.apply(b);
        replay.apply(b);
        assertEquals(b, replay.latest("a"));
        assertEquals(3, replay.register("c", V2_BREAKING).id());
    }
}
