package dev.probeval.worker;

import dev.probeval.kafka.TopicAdmin;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka clients and the properties they are built from. Every client starts from the same connection
 * properties ({@link dev.probeval.kafka.KafkaServiceConfig#clientProperties()}), so security and SASL settings reach
 * the admin client as well as the consumer and the producer.
 */
final class WorkerClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerClients.class);

    final Consumer<byte[], byte[]> consumer;
    final Producer<String, byte[]> producer;
    private final List<KafkaClientMetrics> clientMetrics;

    private WorkerClients(
            Consumer<byte[], byte[]> consumer,
            Producer<String, byte[]> producer,
            List<KafkaClientMetrics> clientMetrics) {
        this.consumer = consumer;
        this.producer = producer;
        this.clientMetrics = clientMetrics;
    }

    /** Creates missing topics when configured, then the consumer and the producer, their metrics bound to meters. */
    static WorkerClients open(WorkerConfig config, KafkaClientFactory factory, MeterRegistry meters) {
        if (config.kafka().createTopics()) {
            try (Admin admin = factory.admin(adminProps(config))) {
                TopicAdmin.ensureTopics(
                        admin, config.kafka().partitions(), config.kafka().replicationFactor());
            }
        }
        Consumer<byte[], byte[]> consumer = factory.consumer(consumerProps(config));
        Producer<String, byte[]> producer;
        try {
            producer = factory.producer(producerProps(config));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        List<KafkaClientMetrics> metrics = List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer));
        metrics.forEach(m -> m.bindTo(meters));
        return new WorkerClients(consumer, producer, metrics);
    }

    static Map<String, Object> adminProps(WorkerConfig config) {
        Map<String, Object> p = config.kafka().clientProperties();
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "probeval-worker-" + config.workerId() + "-admin");
        return p;
    }

    static Map<String, Object> consumerProps(WorkerConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, config.kafka().sessionTimeoutMs());
        if (config.groupInstanceId() != null) {
            // Static membership: a restarted worker with the same id takes its predecessor's place at once.
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.groupInstanceId());
        }
        p.putAll(config.kafka().clientProperties());
        p.putAll(config.consumerConfig());
        // What exactly-once needs: the pass-through properties cannot hold these keys
        // (WorkerConfig.RESERVED_KAFKA_KEYS).
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "probeval-worker-" + config.workerId() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    static Map<String, Object> producerProps(WorkerConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.putAll(config.kafka().clientProperties());
        p.putAll(config.producerConfig());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "probeval-worker-" + config.workerId() + "-producer");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, config.transactionTimeoutMs());
        return p;
    }

    /**
     * Closes both clients. {@code abrupt}: like a killed process, no wait and nothing flushed (an open transaction is
     * aborted when a worker with the same id starts, or by the broker after {@code transaction.timeout.ms}).
     */
    void close(boolean abrupt) {
        if (abrupt) {
            Closing.quietly(() -> producer.close(Duration.ZERO));
            Closing.quietly(() -> consumer.close(Duration.ZERO));
        } else {
            Closing.quietly(producer::close);
            // A clean stop leaves the group even as a static member, so its partitions move to the other workers now
            // rather than after the session timeout; only a crash (abrupt) keeps the place for a restart with the same
            // id.
            Closing.quietly(() -> consumer.close(
                    CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)));
        }
        clientMetrics.forEach(m -> Closing.quietly(m::close));
    }

    @Override
    public void close() {
        close(false);
    }

    /** Close helpers: at shutdown one failing close must not keep the others from running. */
    static final class Closing {
        private Closing() {}

        @FunctionalInterface
        interface ThrowingRunnable {
            void run() throws Exception;
        }

        static void quietly(ThrowingRunnable r) {
            try {
                r.run();
            } catch (Exception e) {
                LOG.debug("ignored on close: {}", e.toString());
            }
        }
    }
}
