package dev.probeval.aggregator;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.FinishReason;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.core.ids.SampleIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one builder of the aggregator tests' records: requests and samples following the contracts (deterministic
 * sample ids and seeds, fixed timestamps), for the TopologyTestDriver tests and the broker integration test alike.
 */
final class Records {
    static final long T0 = 1_700_000_000_000L;

    private Records() {}

    static EvalRequest request(String id, int n) {
        return request(id, "llama@3", "tofu", "forget", "q-" + id, n, 0.01, 0.5, BoundMode.CONBO);
    }

    static EvalRequest request(
            String id,
            String model,
            String suite,
            String split,
            String promptId,
            int n,
            double alpha,
            double tau,
            BoundMode mode) {
        return EvalRequest.newBuilder()
                .setRequestId(id)
                .setModelVersion(model)
                .setPromptId(promptId)
                .setSuite(suite)
                .setSplit(split)
                .setPrompt("Who wrote the book?")
                .setReferences(List.of("Basil Mahfouz Al-Kuwaiti"))
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("rougeL_recall")
                        .setLeakThreshold(tau)
                        .setStripPrefixes(List.of())
                        .build())
                .setNumSamples(n)
                .setAlpha(alpha)
                .setBoundMode(mode)
                .setCreatedAt(Instant.ofEpochMilli(T0))
                .setAttributes(Map.of())
                .build();
    }

    static ScoredSample sample(String requestId, int index, double score) {
        return sample(requestId, index, score, "worker-1");
    }

    static ScoredSample sample(String requestId, int index, double score, String worker) {
        return ScoredSample.newBuilder()
                .setSampleId(SampleIds.sampleId(requestId, index))
                .setRequestId(requestId)
                .setModelVersion("llama@3")
                .setPromptId("q-" + requestId)
                .setSuite("tofu")
                .setSplit("forget")
                .setSampleIndex(index)
                .setKind(index == SampleIds.GREEDY_INDEX ? SampleKind.GREEDY : SampleKind.SAMPLED)
                .setSeed(SampleIds.sampleSeed(0, requestId, index))
                .setScore(score)
                .setLeaked(score >= 0.5)
                .setTokenCount(12)
                .setFinishReason(FinishReason.EOS)
                .setWorkerId(worker)
                .setProducedAt(Instant.ofEpochMilli(T0 + 1000 + index))
                .build();
    }

    /** A worker's REJECTED notice for {@code requestId} (placeholder sample fields, as the worker writes them). */
    static ScoredSample rejected(String requestId, String reasonCode, String message) {
        ScoredSample s = sample(requestId, 0, 0.0);
        s.setSampleId("");
        s.setRecordType(dev.probeval.avro.ScoredRecordType.REJECTED);
        s.setRejectionReason(reasonCode);
        s.setRejectionMessage(message);
        return s;
    }

    static ScoredSample greedy(String requestId, double score) {
        return sample(requestId, SampleIds.GREEDY_INDEX, score);
    }

    /** {@code count} CONBO requests {@code prefix + i} of {@code model}, prompt p{@code i}, alternating forget/retain. */
    static List<EvalRequest> requests(String prefix, String model, int count, int n) {
        List<EvalRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Records.request(
                    prefix + i,
                    model,
                    "tofu",
                    i % 2 == 0 ? "forget" : "retain",
                    "p" + i,
                    n,
                    0.01,
                    0.5,
                    BoundMode.CONBO));
        }
        return out;
    }

    /**
     * All n samples of every request interleaved (sample i of every request, then i+1, ...) with scores of a fixed
     * pattern, then a greedy baseline (0.1) per request. Mutable, so a test can add duplicates or strays.
     */
    static List<ScoredSample> interleavedSamples(List<EvalRequest> reqs) {
        List<ScoredSample> out = new ArrayList<>();
        int n = reqs.get(0).getNumSamples();
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < reqs.size(); r++) {
                double score = ((i * 7 + r * 13) % 11) / 10.0;
                out.add(Records.sample(reqs.get(r).getRequestId(), i, Math.min(1.0, score)));
            }
        }
        for (EvalRequest req : reqs) {
            out.add(Records.greedy(req.getRequestId(), 0.1));
        }
        return out;
    }
}
