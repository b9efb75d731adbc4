package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.core.scoring.PrefixStrippingScorer;
import dev.probeval.core.text.Texts;
import dev.probeval.model.backend.GeneratedSample;
import java.time.Instant;

/**
 * Builds the records the worker produces: scored samples from generated ones, and dead letters. Every string a record
 * takes from outside the worker is bounded here ({@link Texts#clip}), so a record stays far below Kafka's default
 * {@code max.request.size} (1 MB) whatever its request holds: a sample's text is kept up to {@value #MAX_TEXT_CHARS}
 * chars (the score is computed on all of it), a REJECTED notice's message up to {@value #MAX_MESSAGE_CHARS} and its
 * model version, prompt id, suite and split up to {@value #MAX_NOTICE_FIELD_CHARS} each. The identifiers of a sample
 * record are bounded by the worker's identifier limit before it is drawn ({@link RequestValidator}).
 */
final class SampleRecords {
    /** Longest sample text kept in a record. */
    static final int MAX_TEXT_CHARS = 32_768;
    /** Longest rejection message in a REJECTED notice. */
    static final int MAX_MESSAGE_CHARS = 2000;
    /** Longest model version, prompt id, suite and split in a REJECTED notice (the request id is kept whole). */
    static final int MAX_NOTICE_FIELD_CHARS = 256;

    private SampleRecords() {}

    /**
     * Scores one generated output and builds its record. The text is stripped of the request's answer prefixes, scored
     * against the best-matching reference with the raw metric, and marked leaked when the score reaches τ. The text
     * is only kept when the request sets {@code logSampleTexts}.
     *
     * @throws IllegalStateException if the scorer fails or returns a value outside [0, 1]
     */
    static ScoredSample scored(ValidatedRequest vr, GeneratedSample g, String workerId, Instant producedAt) {
        EvalRequest r = vr.request();
        String text = PrefixStrippingScorer.strip(g.text(), vr.stripPrefixes());
        double score = vr.scorer().score(text, r.getReferences());
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalStateException("scorer " + r.getScorer().getMetric() + " returned " + score
                    + " for sample " + g.index() + " of request " + r.getRequestId() + "; scores must lie in [0, 1]");
        }
        double lp = g.modelLogprob();
        return ScoredSample.newBuilder()
                .setRecordType(dev.probeval.avro.ScoredRecordType.SAMPLE)
                .setSampleId(g.sampleId())
                .setRequestId(r.getRequestId())
                .setModelVersion(r.getModelVersion())
                .setPromptId(r.getPromptId())
                .setSuite(r.getSuite())
                .setSplit(r.getSplit())
                .setSampleIndex(g.index())
                .setKind(g.kind() == GeneratedSample.Kind.GREEDY ? SampleKind.GREEDY : SampleKind.SAMPLED)
                .setSeed(g.seed())
                .setText(r.getLogSampleTexts() ? Texts.clip(text, MAX_TEXT_CHARS) : null)
                .setScore(score)
                .setLeaked(score >= vr.leakThreshold())
                .setTokenCount(g.tokens())
                .setFinishReason(FinishReasons.toAvro(g.finish()))
                .setLogProbability(Double.isFinite(lp) ? lp : null)
                .setWorkerId(workerId)
                .setProducedAt(producedAt)
                .setReproducible(g.reproducible())
                .build();
    }

    /**
     * The REJECTED notice of a request this worker refuses: keyed and identified like the request, reason and message
     * set, the sample fields placeholders (index 0, score 0, no id) that no reader counts. The request id is kept whole
     * (the aggregator finds the request by it); the other strings are clipped, so the notice stays small whatever the
     * request holds.
     */
    static ScoredSample rejected(
            EvalRequest r, DeadLetterReason reason, String message, String workerId, Instant producedAt) {
        return ScoredSample.newBuilder()
                .setRecordType(dev.probeval.avro.ScoredRecordType.SAMPLE)
                .setSampleId("")
                .setRequestId(r.getRequestId())
                .setModelVersion(Texts.clip(r.getModelVersion(), MAX_NOTICE_FIELD_CHARS))
                .setPromptId(Texts.clip(r.getPromptId(), MAX_NOTICE_FIELD_CHARS))
                .setSuite(Texts.clip(r.getSuite(), MAX_NOTICE_FIELD_CHARS))
                .setSplit(Texts.clip(r.getSplit(), MAX_NOTICE_FIELD_CHARS))
                .setSampleIndex(0)
                .setKind(SampleKind.SAMPLED)
                .setSeed(0)
                .setScore(0)
                .setLeaked(false)
                .setTokenCount(0)
                .setFinishReason(dev.probeval.avro.FinishReason.EOS)
                .setWorkerId(workerId)
                .setRecordType(ScoredRecordType.REJECTED)
                .setRejectionReason(reason.code())
                .setRejectionMessage(Texts.clip(message, MAX_MESSAGE_CHARS))
                .setProducedAt(producedAt)
                .build();
    }
}
