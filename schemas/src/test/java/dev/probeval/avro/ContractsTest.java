package dev.probeval.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

class ContractsTest {
  private static final List<Schema> TOP_LEVEL = List.of(EvalRequest.getClassSchema(), ScoredSample.getClassSchema(),
      PromptBounds.getClassSchema(), ModelVersionBounds.getClassSchema(), DeadLetter.getClassSchema());

  @Test
  void shouldDocumentEveryTypeAndField() {
    List<String> missing = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Schema s : TOP_LEVEL) {
      collectUndocumented(s, missing, seen);
    }
    assertTrue(missing.isEmpty(), "types/fields without doc: " + missing);
    assertTrue(seen.containsAll(Set.of("dev.probeval.avro.ScorerConfig", "dev.probeval.avro.DecodingConfig",
        "dev.probeval.avro.BoundMode", "dev.probeval.avro.SampleKind", "dev.probeval.avro.FinishReason",
        "dev.probeval.avro.BoundsStatus")), "nested types reached: " + seen);
  }

  @Test
  void shouldGiveEveryNullableFieldANullDefault() {
    for (Schema s : TOP_LEVEL) {
      for (Schema.Field f : s.getFields()) {
        if (f.schema().getType() == Schema.Type.UNION) {
          assertEquals(Schema.Type.NULL, f.schema().getTypes().get(0).getType(), s.getName() + "." + f.name());
          assertTrue(f.hasDefaultValue(), s.getName() + "." + f.name() + " is optional but has no default");
        }
      }
    }
  }

  @Test
  void shouldUseTheEnumSymbolsTheIssueNames() {
    assertEquals(List.of("CONBO", "SOUND", "ANYTIME"), BoundMode.getClassSchema().getEnumSymbols());
    assertEquals(List.of("SAMPLED", "GREEDY"), SampleKind.getClassSchema().getEnumSymbols());
    assertEquals(List.of("EOS", "LENGTH", "STOP"), FinishReason.getClassSchema().getEnumSymbols());
    assertEquals(List.of("PROVISIONAL", "FINAL", "ANYTIME"), BoundsStatus.getClassSchema().getEnumSymbols());
  }

  @Test
  void shouldBuildARequestFromRequiredFieldsAloneWithDocumentedDefaults() {
    EvalRequest r = EvalRequest.newBuilder()
        .setRequestId("r1").setModelVersion("m@1").setPromptId("p1").setPrompt("Who wrote X?")
        .setNumSamples(128).setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
    assertEquals("default", r.getSuite());
    assertEquals("all", r.getSplit());
    assertEquals(0.01, r.getAlpha());
    assertEquals(BoundMode.CONBO, r.getBoundMode());
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
  void shouldKeepDjlAndKafkaTypesOutOfTheContracts() {
    for (Schema s : TOP_LEVEL) {
      String json = s.toString();
      assertFalse(json.contains("ai.djl"), s.getName());
      assertFalse(json.contains("org.apache.kafka"), s.getName());
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
      default -> { }
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
