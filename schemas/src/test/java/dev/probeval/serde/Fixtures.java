package dev.probeval.serde;

import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Test records and serde configs. */
final class Fixtures {
    private Fixtures() {}

    static ScoredSample sample(int index, double score) {
        return ScoredSample.newBuilder()
                .setSampleId("sid-" + index)
                .setRequestId("req-1")
                .setModelVersion("llama@3")
                .setPromptId("tofu-6")
                .setSuite("tofu")
                .setSplit("forget")
                .setSampleIndex(index)
                .setKind(SampleKind.SAMPLED)
                .setSeed(42L + index)
                .setText("Basil Mahfouz Al-Kuwaiti")
                .setScore(score)
                .setLeaked(score >= 0.5)
                .setTokenCount(17)
                .setFinishReason(FinishReason.EOS)
                .setLogProbability(-12.5)
                .setWorkerId("w-1")
                .setProducedAt(Instant.ofEpochMilli(1_700_000_000_123L))
                .build();
    }

    /** A fresh in-memory registry scope per test. */
    static String mockScope() {
        return "test-" + UUID.randomUUID();
    }

    static Map<String, Object> config(String scope) {
        Map<String, Object> m = new HashMap<>();
        m.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);
        return m;
    }
}
