package dev.probeval.aggregator;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.Topics;
import dev.probeval.serde.SpecificAvroDeserializer;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the aggregator's Kafka Streams topology: a pure function of the config (tests build the same topology).
 *
 * <pre>
 *  probeval.eval-requests.v1 ─┐
 *                             ├─► inputs-source ─► inputs-process (routes by topic: RequestsProcessor | SamplesProcessor)
 *  probeval.samples.v1 ───────┘                    rw requests-store, request-state-store, early-samples-store
 *                                │
 *                                ├─ dead letters ───────────────────────► dead-letters-sink ─► probeval.dead-letters.v1
 *                                ├─ PromptBounds ───────────────────────► prompt-bounds-sink ─► probeval.prompt-bounds.v1
 *                                └─ RollupEntry (key RollupKey: model|suite|split|mode|alpha|Q|decoding)
 *                                      └► repartition "model-rollup" ─► model-rollup-process ─► model-bounds-sink
 *                                         (rw model-requests-store, model-bounds-store)       ─► probeval.model-bounds.v1
 * </pre>
 *
 * Requests and samples are keyed by request id and must have the same partition count (co-partitioned): one source
 * node reads both and feeds one processor ({@link InputProcessor}), so partition p of both lands in one task.
 */
public final class AggregatorTopology {
    /** Validated requests by request id (the requests table). */
    public static final String REQUESTS_STORE = "requests-store";
    /**
     * {@link RequestState} by request id; changelog {@code <application.id>-request-state-store-changelog}. One entry
     * per request, not per prompt: a prompt is evaluated once per model version and decoding (docs/aggregator.md, State
     * stores).
     */
    public static final String REQUEST_STATE_STORE = "request-state-store";
    /**
     * Latest {@link RollupEntry} of each request in a roll-up group, by the group's key
     * ({@link dev.probeval.contract.RollupKey}) {@code + '\0' + requestId}; changelog
     * {@code <application.id>-model-requests-store-changelog}.
     */
    public static final String MODEL_REQUESTS_STORE = "model-requests-store";
    /** Latest {@link ModelVersionBounds} by roll-up group key ({@link dev.probeval.contract.RollupKey}). */
    public static final String MODEL_BOUNDS_STORE = "model-bounds-store";
    /**
     * Samples that arrived before their request ({@link EarlySample}), by {@code requestId + '\0' + offset}; changelog
     * {@code <application.id>-early-samples-store-changelog}, so the buffer survives restarts exactly.
     */
    public static final String EARLY_SAMPLES_STORE = "early-samples-store";
    /**
     * Requests a worker refused (a REJECTED record on the samples topic), by request id: {@code CODE + '\t' +
     * message}; what makes {@code GET /api/v1/requests/{id}} answer REJECTED. Changelog
     * {@code <application.id>-request-rejections-store-changelog}.
     */
    public static final String REQUEST_REJECTIONS_STORE = "request-rejections-store";
    /**
     * Holds no data: Kafka Streams calls it before each commit of an inputs task ({@link CommitHook}), which is when
     * the request states cached by {@link InputProcessor} are written back to {@value #REQUEST_STATE_STORE}.
     */
    public static final String COMMIT_HOOK_STORE = "inputs-commit-hook";
    /** Name of the repartition topic (prefixed with the application id, suffixed -repartition). */
    public static final String MODEL_ROLLUP_REPARTITION = "model-rollup";

    private AggregatorTopology() {}

    /** The topology with meters on a private registry. */
    public static Topology build(AggregatorConfig config) {
        return build(config, AggregatorMetrics.noop());
    }

    public static Topology build(AggregatorConfig config, AggregatorMetrics metrics) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        // Refuse auto-generated names for any store, changelog or repartition topic.
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(p)));
        Map<String, Object> serde = config.kafka().serdeConfig();

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(REQUESTS_STORE),
                Serdes.String(),
                Topics.EVAL_REQUESTS.valueSerde(serde)));
        // No record cache: the processor's own write-back cache writes each state once per commit, from the commit
        // hook; a Streams cache below it would hold those writes back past the commit (docs/aggregator.md).
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(REQUEST_STATE_STORE), Serdes.String(), RequestState.serde())
                .withCachingDisabled());
        builder.addStateStore(CommitHook.builder(COMMIT_HOOK_STORE));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(MODEL_REQUESTS_STORE), Serdes.String(), RollupEntry.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(MODEL_BOUNDS_STORE),
                Serdes.String(),
                Topics.MODEL_BOUNDS.valueSerde(serde)));

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(EARLY_SAMPLES_STORE), Serdes.String(), EarlySample.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(REQUEST_REJECTIONS_STORE), Serdes.String(), Serdes.String()));

        Consumed<byte[], byte[]> raw = Consumed.with(Serdes.ByteArray(), Serdes.ByteArray());
        KStream<String, Object> inputsOut = builder.stream(
                        List.of(Topics.EVAL_REQUESTS.name(), Topics.SAMPLES.name()), raw.withName("inputs-source"))
                .process(
                        () -> new InputProcessor(
                                config,
                                metrics,
                                deserializer(EvalRequest.class, serde),
                                deserializer(ScoredSample.class, serde)),
                        Named.as("inputs-process"),
                        REQUESTS_STORE,
                        REQUEST_STATE_STORE,
                        EARLY_SAMPLES_STORE,
                        REQUEST_REJECTIONS_STORE,
                        COMMIT_HOOK_STORE);

        Map<String, KStream<String, Object>> routes = inputsOut
                .split(Named.as("inputs-route-"))
                .branch((k, v) -> v instanceof DeadLetter, Branched.as("dead-letters"))
                .branch((k, v) -> v instanceof PromptBounds, Branched.as("prompt-bounds"))
                .branch((k, v) -> v instanceof RollupEntry, Branched.as("rollup"))
                .noDefaultBranch();

        routes.get("inputs-route-dead-letters")
                .mapValues(v -> (DeadLetter) v, Named.as("dead-letters-cast"))
                .to(
                        Topics.DEAD_LETTERS.name(),
                        Produced.with(Serdes.String(), Topics.DEAD_LETTERS.valueSerde(serde))
                                .withName("dead-letters-sink"));

        routes.get("inputs-route-prompt-bounds")
                .mapValues(v -> (PromptBounds) v, Named.as("prompt-bounds-cast"))
                .to(
                        Topics.PROMPT_BOUNDS.name(),
                        Produced.with(Serdes.String(), Topics.PROMPT_BOUNDS.valueSerde(serde))
                                .withName("prompt-bounds-sink"));

        routes.get("inputs-route-rollup")
                .mapValues(v -> (RollupEntry) v, Named.as("rollup-cast"))
                .repartition(Repartitioned.<String, RollupEntry>as(MODEL_ROLLUP_REPARTITION)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(RollupEntry.serde()))
                .process(
                        () -> new RollupProcessor(config, metrics),
                        Named.as("model-rollup-process"),
                        MODEL_REQUESTS_STORE,
                        MODEL_BOUNDS_STORE)
                .mapValues(v -> (ModelVersionBounds) v, Named.as("model-bounds-cast"))
                .to(
                        Topics.MODEL_BOUNDS.name(),
                        Produced.with(Serdes.String(), Topics.MODEL_BOUNDS.valueSerde(serde))
                                .withName("model-bounds-sink"));

        return builder.build();
    }

    private static <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type, Map<String, Object> serde) {
        SpecificAvroDeserializer<T> d = new SpecificAvroDeserializer<>(type);
        d.configure(serde, false);
        return d;
    }
}
