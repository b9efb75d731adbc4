package dev.probeval.aggregator;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.mock.MockSchemaRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The aggregator topology on a {@link TopologyTestDriver} with the real serde on its own {@code mock://} registry
 * scope: raw-byte input topics (so tests can also pipe bad bytes), typed output topics, the stores, and the record
 * {@link #send} helpers. Records themselves come from {@link Records}. One per test; close it after.
 */
final class TopologyFixture implements AutoCloseable {
    final TopologyTestDriver driver;
    final AggregatorMetrics metrics = AggregatorMetrics.noop();
    final TestInputTopic<byte[], byte[]> requests;
    final TestInputTopic<byte[], byte[]> samples;
    final TestOutputTopic<String, PromptBounds> promptBounds;
    final TestOutputTopic<String, ModelVersionBounds> modelBounds;
    final TestOutputTopic<String, DeadLetter> deadLetters;
    final Serializer<EvalRequest> requestSer;
    final Serializer<ScoredSample> sampleSer;
    private final String scope = "agg-" + UUID.randomUUID();

    private TopologyFixture(
            Path stateDir,
            int emitEvery,
            long emitIntervalMs,
            long modelIntervalMs,
            UnaryOperator<AggregatorConfig.Builder> tweak) {
        AggregatorConfig config = tweak.apply(AggregatorConfig.builder()
                        .setKafka(AggregatorConfig.kafkaBuilder()
                                .setBootstrapServers("dummy:9092")
                                .optSchemaRegistryUrl("mock://" + scope)
                                .build())
                        .optApplicationId("agg-test")
                        .optStateDir(stateDir)
                        .optEmitEverySamples(emitEvery)
                        .optEmitIntervalMs(emitIntervalMs)
                        .optModelEmitIntervalMs(modelIntervalMs))
                .build();
        Properties props = config.streamsProperties(0);
        // Every update reaches the stores and outputs at once, so tests can assert after each record.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        driver = new TopologyTestDriver(AggregatorTopology.build(config, metrics), props);
        Map<String, Object> serde = config.kafka().serdeConfig();
        requestSer = Topics.EVAL_REQUESTS.valueSerde(serde).serializer();
        sampleSer = Topics.SAMPLES.valueSerde(serde).serializer();
        requests = driver.createInputTopic(
                Topics.EVAL_REQUESTS.name(), new ByteArraySerializer(), new ByteArraySerializer());
        samples = driver.createInputTopic(Topics.SAMPLES.name(), new ByteArraySerializer(), new ByteArraySerializer());
        promptBounds = driver.createOutputTopic(
                Topics.PROMPT_BOUNDS.name(),
                Serdes.String().deserializer(),
                Topics.PROMPT_BOUNDS.valueSerde(serde).deserializer());
        modelBounds = driver.createOutputTopic(
                Topics.MODEL_BOUNDS.name(),
                Serdes.String().deserializer(),
                Topics.MODEL_BOUNDS.valueSerde(serde).deserializer());
        deadLetters = driver.createOutputTopic(
                Topics.DEAD_LETTERS.name(),
                Serdes.String().deserializer(),
                Topics.DEAD_LETTERS.valueSerde(serde).deserializer());
    }

    /**
     * A started topology. {@code emitEvery} counted samples per emission (0: off), {@code emitIntervalMs} and {@code
     * modelIntervalMs} wall-clock emission intervals (0: off / on every update).
     */
    static TopologyFixture start(Path stateDir, int emitEvery, long emitIntervalMs, long modelIntervalMs) {
        return new TopologyFixture(stateDir, emitEvery, emitIntervalMs, modelIntervalMs, b -> b);
    }

    /** As {@link #start(Path, int, long, long)}, with further config ({@code tweak}: e.g. the early-sample buffer). */
    static TopologyFixture start(
            Path stateDir,
            int emitEvery,
            long emitIntervalMs,
            long modelIntervalMs,
            UnaryOperator<AggregatorConfig.Builder> tweak) {
        return new TopologyFixture(stateDir, emitEvery, emitIntervalMs, modelIntervalMs, tweak);
    }

    static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** Produces a request keyed by its id, through the registry serde. */
    void send(EvalRequest r) {
        requests.pipeInput(key(r.getRequestId()), requestSer.serialize(Topics.EVAL_REQUESTS.name(), r));
    }

    /** Produces a sample keyed by its request id, through the registry serde. */
    void send(ScoredSample s) {
        samples.pipeInput(key(s.getRequestId()), sampleSer.serialize(Topics.SAMPLES.name(), s));
    }

    KeyValueStore<String, EvalRequest> requestsStore() {
        return driver.getKeyValueStore(AggregatorTopology.REQUESTS_STORE);
    }

    KeyValueStore<String, RequestState> stateStore() {
        return driver.getKeyValueStore(AggregatorTopology.REQUEST_STATE_STORE);
    }

    KeyValueStore<String, EarlySample> earlyStore() {
        return driver.getKeyValueStore(AggregatorTopology.EARLY_SAMPLES_STORE);
    }

    KeyValueStore<String, String> rejectionsStore() {
        return driver.getKeyValueStore(AggregatorTopology.REQUEST_REJECTIONS_STORE);
    }

    KeyValueStore<String, RollupEntry> rollupEntriesStore() {
        return driver.getKeyValueStore(AggregatorTopology.MODEL_REQUESTS_STORE);
    }

    KeyValueStore<String, ModelVersionBounds> modelStore() {
        return driver.getKeyValueStore(AggregatorTopology.MODEL_BOUNDS_STORE);
    }

    @Override
    public void close() {
        driver.close();
        MockSchemaRegistry.dropScope(scope);
    }
}
