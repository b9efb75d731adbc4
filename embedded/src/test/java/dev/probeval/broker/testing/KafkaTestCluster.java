package dev.probeval.broker.testing;

import dev.probeval.avro.EvalRequest;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.Topic;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A test's Kafka world: a single-node {@link EmbeddedKafka}, the project's {@link SchemaRegistryServer} on a free
 * port, the Avro serde config pointing at it, and every probeval topic created with {@link #partitions()}
 * partitions. {@link #close()} first closes what the test registered with {@link #closeAfter} (newest first), then
 * the registry, then the broker, so it fits {@code @AfterEach}/{@code @AfterAll} or try-with-resources.
 *
 * <p>Helpers: {@link #produce} / {@link #produceRequests} (one producer per call, flushed), {@link #producer} (a
 * long-lived producer with extra settings), and {@link #reader} / {@link #readCommitted}: a consumer assigned to
 * every partition of a topic from the beginning that polls until a predicate over what it has seen holds.
 */
public final class KafkaTestCluster implements AutoCloseable {
    private final int partitions;
    private final Path dataDir;
    private final boolean quietClose;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private Map<String, Object> serde;

    /** Options of a {@link KafkaTestCluster}. */
    public static final class Builder {
        private int partitions = 1;
        private Path dataDir;
        private boolean quietClose;

        private Builder() {}

        /** Partitions of every topic (default 1). */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** The broker's log directory (default: a fresh temporary one), e.g. to restart it on the same data. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Whether {@link KafkaTestCluster#close()} ignores failures of what was registered with closeAfter. */
        public Builder quietClose(boolean quietClose) {
            this.quietClose = quietClose;
            return this;
        }

        /** Starts the broker and the registry and creates the topics. */
        public KafkaTestCluster start() {
            return new KafkaTestCluster(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A cluster with default options and {@code partitions} partitions per topic. */
    public static KafkaTestCluster start(int partitions) {
        return builder().partitions(partitions).start();
    }

    private KafkaTestCluster(Builder b) {
        this.partitions = b.partitions;
        this.dataDir = b.dataDir;
        this.quietClose = b.quietClose;
        EmbeddedKafka.Builder broker = EmbeddedKafka.builder();
        if (dataDir != null) {
            broker.dataDir(dataDir);
        }
        kafka = broker.build();
        try {
            registry = SchemaRegistryServer.builder()
                    .setKafka(KafkaServiceConfig.builder()
                            .setBootstrapServers(kafka.bootstrapServers())
                            .build())
                    .port(0)
                    .start();
            serde = AvroSerdeConfig.forUrl(registry.url());
            try (Admin admin = kafka.admin()) {
                TopicAdmin.ensureTopics(admin, partitions, (short) 1);
            }
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
            }
            kafka.close();
            throw e;
        }
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public SchemaRegistryServer registry() {
        return registry;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    /** The Avro serde config for the registry ({@link AvroSerdeConfig#forUrl}). */
    public Map<String, Object> serde() {
        return serde;
    }

    public int partitions() {
        return partitions;
    }

    /** Registers {@code c} to be closed by {@link #close()}, before the registry and the broker; returns it. */
    public <T extends AutoCloseable> T closeAfter(T c) {
        closeAfter.add(c);
        return c;
    }

    /** Stops the broker (the registry stays up); {@link #restartBroker()} brings it back. */
    public void stopBroker() {
        kafka.close();
    }

    /** Starts a broker on the stopped one's data directory and ports. Needs {@link Builder#dataDir}. */
    public void restartBroker() {
        if (dataDir == null) {
            throw new IllegalStateException("restartBroker needs a dataDir");
        }
        int port = kafka.port(); // plain fields of EmbeddedKafka, still there after close
        int controllerPort = kafka.controllerPort();
        kafka = EmbeddedKafka.builder()
                .dataDir(dataDir)
                .port(port)
                .controllerPort(controllerPort)
                .build();
    }

    /** A producer of {@code topic} with the broker's client config plus {@code overrides}; the caller closes it. */
    public <V extends SpecificRecord> KafkaProducer<String, V> producer(
            Topic<String, V> topic, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(kafka.clientConfig());
        p.putAll(overrides);
        return new KafkaProducer<>(
                p, new StringSerializer(), topic.valueSerde(serde).serializer());
    }

    /** Sends {@code values} to {@code topic} keyed by {@code key} with an idempotent producer, and flushes. */
    public <V extends SpecificRecord> void produce(Topic<String, V> topic, List<V> values, Function<V, String> key) {
        try (KafkaProducer<String, V> p = producer(topic, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (V v : values) {
                p.send(new ProducerRecord<>(topic.name(), key.apply(v), v));
            }
            p.flush();
        }
    }

    /** Sends the requests to {@link Topics#EVAL_REQUESTS}, keyed by request id, and flushes. */
    public void produceRequests(List<EvalRequest> requests) {
        produce(Topics.EVAL_REQUESTS, requests, EvalRequest::getRequestId);
    }

    /** Sends the requests to {@link Topics#EVAL_REQUESTS}, keyed by request id, and flushes. */
    public void produceRequests(EvalRequest... requests) {
        produceRequests(Arrays.asList(requests));
    }

    /** Sends raw bytes (not necessarily Avro) to {@code topic}, and flushes. */
    public void produceRaw(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> p =
                new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, key, value));
            p.flush();
        }
    }

    /** A reader of {@code topic} under {@code isolation} ("read_committed" or "read_uncommitted"); close it. */
    public <V extends SpecificRecord> Reader<V> reader(Topic<String, V> topic, String isolation) {
        return new Reader<>(topic, isolation);
    }

    /** A read_committed reader of {@code topic}; close it. */
    public <V extends SpecificRecord> Reader<V> readCommitted(Topic<String, V> topic) {
        return reader(topic, "read_committed");
    }

    /**
     * Reads a topic from the beginning (assigned every partition, no consumer group) under an isolation level,
     * accumulating everything it has seen.
     */
    public final class Reader<V extends SpecificRecord> implements AutoCloseable {
        private final KafkaConsumer<String, V> consumer;
        private final List<TopicPartition> parts = new ArrayList<>();
        private final List<ConsumerRecord<String, V>> seen = new ArrayList<>();

        private Reader(Topic<String, V> topic, String isolation) {
            Map<String, Object> c = new HashMap<>(kafka.clientConfig());
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            consumer = new KafkaConsumer<>(
                    c, new StringDeserializer(), topic.valueSerde(serde).deserializer());
            for (int p = 0; p < partitions; p++) {
                parts.add(new TopicPartition(topic.name(), p));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
        }

        /** The underlying consumer, for a test that polls it itself. */
        public KafkaConsumer<String, V> consumer() {
            return consumer;
        }

        /** Everything seen so far. */
        public List<ConsumerRecord<String, V>> seen() {
            return seen;
        }

        /** The values seen so far of the records that pass {@code filter}. */
        public List<V> values(Predicate<ConsumerRecord<String, V>> filter) {
            return seen.stream().filter(filter).map(ConsumerRecord::value).collect(Collectors.toList());
        }

        /** The values seen so far. */
        public List<V> values() {
            return values(r -> true);
        }

        /** Polls (200 ms at a time) until {@code done} holds for the records seen so far. */
        public List<ConsumerRecord<String, V>> awaitUntil(
                String what, Duration timeout, Predicate<List<ConsumerRecord<String, V>>> done) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(seen)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "timed out after " + timeout + " waiting for " + what + "; saw " + seen.size());
                }
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            return seen;
        }

        /** Polls until 4 polls of 250 ms in a row (a quiet second) return nothing; returns everything seen. */
        public List<ConsumerRecord<String, V>> drain() {
            return drain(4, Duration.ofMillis(250));
        }

        /** Polls until {@code quietPolls} polls of {@code poll} in a row return nothing; returns everything seen. */
        public List<ConsumerRecord<String, V>> drain(int quietPolls, Duration poll) {
            int empty = 0;
            while (empty < quietPolls) {
                var recs = consumer.poll(poll);
                empty = recs.isEmpty() ? empty + 1 : 0;
                recs.forEach(seen::add);
            }
            return seen;
        }

        /** Polls until the reader's position reaches the end offsets taken now; returns everything seen. */
        public List<ConsumerRecord<String, V>> readToEnd(String what, Duration timeout) {
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out reading " + what);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            return seen;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            try {
                closeAfter.get(i).close();
            } catch (Exception e) {
                if (!quietClose) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        closeAfter.clear();
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
