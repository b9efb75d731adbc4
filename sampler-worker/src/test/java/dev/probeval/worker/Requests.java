package dev.probeval.worker;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders of test requests with small, valid defaults. */
final class Requests {
    private Requests() {}

    static DecodingConfig.Builder decoding(int maxNewTokens) {
        return DecodingConfig.newBuilder()
                .setTemperature(1.0)
                .setTopP(1.0)
                .setTopK(0)
                .setMaxNewTokens(maxNewTokens)
                .setSeed(7)
                .setAdaptiveTemperature(false)
                .setAdaptiveTemperatureThreshold(0.9);
    }

    static EvalRequest.Builder request(String id, String model, int n) {
        return EvalRequest.newBuilder()
                .setRequestId(id)
                .setModelVersion(model)
                .setPromptId("p-" + id)
                .setSuite("tiny")
                .setSplit("forget")
                .setPrompt("Once upon a time")
                .setReferences(List.of("there was a little girl named Lily"))
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("rougeL_recall")
                        .setLeakThreshold(0.5)
                        .setStripPrefixes(List.of())
                        .build())
                .setDecoding(decoding(8).build())
                .setNumSamples(n)
                .setAlpha(0.05)
                .setBoundMode(BoundMode.CONBO)
                .setDrawGreedy(true)
                .setLogSampleTexts(true)
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setAttributes(Map.of());
    }
}
