package dev.probeval.worker;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.Topics;
import dev.probeval.serde.AvroDeserializationException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A worker's pieces on Kafka's {@link MockConsumer} and {@link MockProducer} and a {@link FakeBackend}: no broker, no
 * registry (values are plain Avro binary), no model. Tests drive the {@link WorkerLoop} one iteration at a time.
 */
final class MockKafka {
    static final String MODEL = "tiny";
    static final String REQUESTS = Topics.EVAL_REQUESTS.name();
    static final TopicPartition P0 = new TopicPartition(REQUESTS, 0);
    static final TopicPartition P1 = new TopicPartition(REQUESTS, 1);

    final FakeBackend backend = new FakeBackend();
    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    final MockProducer<String, byte[]> producer = new CoordinatedProducer();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final WorkerMetrics metrics = new WorkerMetrics(meters);
    /** Offsets the group had committed before this worker joined (what a predecessor left behind). */
    private final Map<TopicPartition, OffsetAndMetadata> committedBefore = new HashMap<>();
    /** When set, request deserialization fails as if the registry were down. */
    volatile boolean registryDown;
    /**
     * Records the broker refuses as too large: a transaction that sent one fails at commit the way a real producer's
     * does (the send's error puts the transaction in an abortable error state, and the commit throws).
     */
    volatile java.util.function.Predicate<ProducerRecord<String, byte[]>> tooLarge = r -> false;

    MockKafka() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    /**
     * A MockProducer whose committed transactions also commit their offsets to the consumer's group, as the broker's
     * transaction coordinator does; a plain MockProducer only records them.
     */
    private final class CoordinatedProducer extends MockProducer<String, byte[]> {
        CoordinatedProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        private boolean failed;

        @Override
        public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                ProducerRecord<String, byte[]> record) {
            if (tooLarge.test(record)) {
                failed = true;
                return java.util.concurrent.CompletableFuture.failedFuture(
                        new RecordTooLargeException("The message is " + record.value().length
                                + " bytes when serialized which is larger than the maximum request size"));
            }
            return super.send(record);
        }

        @Override
        public void beginTransaction() {
            failed = false;
            super.beginTransaction();
        }

        @Override
        public void commitTransaction() {
            if (failed) {
                throw new KafkaException(
                        "Cannot execute transactional method because we are in an error state",
                        new RecordTooLargeException("a record of the transaction is too large"));
            }
            Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = Map.copyOf(uncommittedOffsets());
            super.commitTransaction();
            offsets.values().forEach(consumer::commitSync);
        }
    }

    /** The group has {@code om} committed for {@code tp} when the worker joins. */
    MockKafka withCommitted(TopicPartition tp, OffsetAndMetadata om) {
        committedBefore.put(tp, om);
        return this;
    }

    /** The Kafka settings of {@link #config}: this fixture's names, no topic creation (it has no admin client). */
    KafkaServiceConfig.Builder kafkaConfig() {
        return WorkerConfig.kafkaBuilder()
                .setBootstrapServers("mock:9092")
                .optSchemaRegistryUrl("mock://unused")
                .optCreateTopics(false);
    }

    /** A configuration serving {@link #MODEL} from this fixture's backend, in chunks of {@code chunkSize}. */
    WorkerConfig.Builder config(int chunkSize) {
        return config(chunkSize, kafkaConfig());
    }

    /** As {@link #config(int)}, with these Kafka settings. */
    WorkerConfig.Builder config(int chunkSize, KafkaServiceConfig.Builder kafka) {
        return WorkerConfig.builder()
                .setKafka(kafka.build())
                .setModels(ModelCatalog.of(List.of(new ModelSpec(MODEL, Path.of("unused.bin"), null))))
                .optBackendFactory(spec -> backend)
                .optWorkerId("w-unit")
                .optChunkSize(chunkSize)
                .optRetryBackoff(Duration.ZERO);
    }

    /** Plain Avro binary serdes: the worker's logic does not depend on the wire format. */
    WorkerSerdes serdes() {
        return new WorkerSerdes(
                (topic, data) -> {
                    if (registryDown) {
                        throw new AvroDeserializationException(
                                AvroDeserializationException.Reason.REGISTRY_UNAVAILABLE,
                                topic,
                                1,
                                "registry unavailable");
                    }
                    try {
                        return EvalRequest.fromByteBuffer(ByteBuffer.wrap(data));
                    } catch (IOException | RuntimeException e) {
                        throw new AvroDeserializationException(
                                AvroDeserializationException.Reason.MALFORMED_PAYLOAD,
                                topic,
                                -1,
                                "not an EvalRequest: " + e.getMessage());
                    }
                },
                (topic, s) -> avro(s::toByteBuffer),
                () -> {});
    }

    /** A client factory handing out this fixture's mocks. */
    KafkaClientFactory clients() {
        return new KafkaClientFactory() {
            @Override
            public Consumer<byte[], byte[]> consumer(Map<String, Object> props) {
                return consumer;
            }

            @Override
            public Producer<String, byte[]> producer(Map<String, Object> props) {
                return producer;
            }

            @Override
            public Admin admin(Map<String, Object> props) {
                throw new UnsupportedOperationException("no admin in unit tests");
            }
        };
    }

    /** A started loop (transactions initialised, subscribed) owning {@code partitions}. */
    WorkerLoop startLoop(WorkerConfig config, TopicPartition... partitions) throws Exception {
        return startLoop(config, SampleRecords::scored, partitions);
    }

    /** As above, scoring with {@code scoring}. */
    WorkerLoop startLoop(WorkerConfig config, ChunkRunner.SampleScoring scoring, TopicPartition... partitions)
            throws Exception {
        WorkerLoop loop = new WorkerLoop(
                config,
                consumer,
                producer,
                serdes(),
                new ModelCache(config.catalog(), config.backendFactory()),
                metrics,
                ChunkListener.NONE,
                scoring);
        loop.start();
        // After subscribe: MockConsumer forgets committed offsets when subscribing, a group coordinator does not.
        consumer.commitSync(committedBefore);
        consumer.rebalance(List.of(partitions));
        return loop;
    }

    /** The count of a counter of the worker's metrics. */
    double meterCount(String name) {
        return meters.get(name).counter().count();
    }

    /**
     * Iterates until three iterations in a row found nothing to do (one is not enough: an iteration that resumes
     * paused partitions polls nothing), at most {@code max} iterations.
     */
    static void drain(WorkerLoop loop, int max) {
        int idle = 0;
        for (int i = 0; i < max; i++) {
            loop.iterate();
            idle = loop.work().busy() ? 0 : idle + 1;
            if (idle == 3) {
                return;
            }
        }
        throw new AssertionError("still busy after " + max + " iterations");
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static byte[] encode(EvalRequest r) {
        return avro(r::toByteBuffer);
    }

    /** Avro's generated {@code toByteBuffer} as bytes. */
    interface AvroEncoding {
        ByteBuffer encode() throws IOException;
    }

    static byte[] avro(AvroEncoding e) {
        try {
            return bytes(e.encode());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Puts a request record at {@code offset} of {@code tp}, keyed by its id. */
    void addRequest(TopicPartition tp, long offset, EvalRequest r) {
        addRaw(tp, offset, r.getRequestId(), encode(r));
    }

    void addRaw(TopicPartition tp, long offset, String key, byte[] value) {
        consumer.addRecord(new ConsumerRecord<>(
                tp.topic(), tp.partition(), offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value));
    }

    /** Committed (sent in committed transactions) samples, decoded. */
    List<ScoredSample> committedSamples() {
        return producer.history().stream()
                .filter(r -> r.topic().equals(Topics.SAMPLES.name()))
                .map(r -> decodeSample(r.value()))
                .collect(Collectors.toList());
    }

    List<DeadLetter> committedDeadLetters() {
        return producer.history().stream()
                .filter(r -> r.topic().equals(Topics.DEAD_LETTERS.name()))
                .map(ProducerRecord::value)
                .map(MockKafka::decodeDeadLetter)
                .collect(Collectors.toList());
    }

    /**
     * The offset a transaction commits past a request once {@code completed} (in completion order) are the partition's
     * completed requests: the metadata's first line names their fingerprints ({@link CompletedRequests}).
     */
    static OffsetAndMetadata done(long offset, EvalRequest... completed) {
        List<String> fps = java.util.Arrays.stream(completed)
                .map(CompletedRequests::fingerprint)
                .toList();
        return new OffsetAndMetadata(offset, CompletedRequests.PREFIX + String.join(",", fps) + "\n");
    }

    /** The offsets each committed transaction committed, in commit order. */
    List<OffsetAndMetadata> committedOffsets(TopicPartition tp) {
        return producer.consumerGroupOffsetsHistory().stream()
                .flatMap(m -> m.values().stream())
                .filter(m -> m.containsKey(tp))
                .map(m -> m.get(tp))
                .collect(Collectors.toList());
    }

    static ScoredSample decodeSample(byte[] v) {
        try {
            return ScoredSample.fromByteBuffer(ByteBuffer.wrap(v));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DeadLetter decodeDeadLetter(byte[] v) {
        try {
            return DeadLetter.fromByteBuffer(ByteBuffer.wrap(v));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
