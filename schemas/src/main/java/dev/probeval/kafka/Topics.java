package dev.probeval.kafka;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed registry of probeval's topics. Requests and samples are both keyed by request id, so with equal partition
 * counts they are co-partitioned and the aggregator can join them without a repartition.
 */
public final class Topics {
    private static final Map<String, String> COMPACT =
            Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    /** Evaluation requests; key = request id; compacted: the topic is a table of requests. */
    public static final Topic<String, EvalRequest> EVAL_REQUESTS =
            new Topic<>("probeval.eval-requests.v1", Serdes::String, EvalRequest.class, COMPACT, "request id");

    /** Scored samples (and greedy baselines); key = request id; time-retained. */
    public static final Topic<String, ScoredSample> SAMPLES =
            new Topic<>("probeval.samples.v1", Serdes::String, ScoredSample.class, Map.of(), "request id");

    /** Latest bounds per request; key = request id; compacted. */
    public static final Topic<String, PromptBounds> PROMPT_BOUNDS =
            new Topic<>("probeval.prompt-bounds.v1", Serdes::String, PromptBounds.class, COMPACT, "request id");

    /**
     * Latest roll-up per group (model version, suite, split, mode, alpha, suite size, decoding); key =
     * {@link dev.probeval.contract.RollupKey}; compacted.
     */
    public static final Topic<String, ModelVersionBounds> MODEL_BOUNDS = new Topic<>(
            "probeval.model-bounds.v1",
            Serdes::String,
            ModelVersionBounds.class,
            COMPACT,
            "modelVersion|suite|split|mode|alpha|suiteSize|decodingHash");

    /** Records a service could not process; key = {@link #deadLetterKey}; time-retained. */
    public static final Topic<String, DeadLetter> DEAD_LETTERS = new Topic<>(
            "probeval.dead-letters.v1", Serdes::String, DeadLetter.class, Map.of(), "sourceTopic/partition/offset");

    /** Every topic, in pipeline order. */
    public static final List<Topic<String, ?>> ALL =
            List.of(EVAL_REQUESTS, SAMPLES, PROMPT_BOUNDS, MODEL_BOUNDS, DEAD_LETTERS);

    private Topics() {}

    /**
     * The start of a {@link ModelVersionBounds} record's key, {@code modelVersion|suite|split}; the full key is
     * {@link dev.probeval.contract.RollupKey}, which appends mode, alpha, suite size and decoding, so a prefix scan finds
     * every roll-up of a (version, suite, split). '|' separates because model versions often contain '/' and ':'.
     */
    public static String modelBoundsKey(String modelVersion, String suite, String split) {
        return modelVersion + "|" + suite + "|" + split;
    }

    /** Key of a {@link DeadLetter} record: {@code sourceTopic/partition/offset}, unique per source record. */
    public static String deadLetterKey(String sourceTopic, int partition, long offset) {
        return sourceTopic + "/" + partition + "/" + offset;
    }
}
