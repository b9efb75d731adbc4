package dev.probeval.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
    /** Shared by every test that does not restart the broker. */
    static EmbeddedKafka shared;

    @BeforeAll
    static void start() {
        shared = EmbeddedKafka.builder().build();
    }

    @AfterAll
    static void stop() {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    void shouldKeepAProducedRecordAndTheClusterIdAcrossARestartOnTheSameDataDir(@TempDir Path dir) throws Exception {
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build()) {
            clusterId = kafka.clusterId();
            try (Admin admin = kafka.admin()) {
                TopicAdmin.ensure(admin, List.of(new NewTopic("durable", 1, (short) 1)));
            }
            try (KafkaProducer<String, String> p = producer(kafka)) {
                p.send(new ProducerRecord<>("durable", "k", "survives a restart"))
                        .get();
            }
        }
        try (EmbeddedKafka again = EmbeddedKafka.builder().dataDir(dir).build()) {
            assertEquals(clusterId, again.clusterId());
            List<ConsumerRecord<String, String>> records = readAll(again, "durable", 1);
            assertEquals(1, records.size());
            assertEquals("k", records.get(0).key());
            assertEquals("survives a restart", records.get(0).value());
        }
    }

    @Test
    void shouldCreateTheProbevalTopicsOnceAndReportThemAsExistingAfterwards() throws Exception {
        try (Admin admin = shared.admin()) {
            TopicAdmin.Result first = TopicAdmin.ensureTopics(admin, 2, (short) 1);
            assertEquals(Topics.ALL.size(), first.created().size());
            assertTrue(first.existing().isEmpty());

            TopicAdmin.Result second = TopicAdmin.ensureTopics(admin, 2, (short) 1);
            assertTrue(second.created().isEmpty());
            assertEquals(Set.copyOf(first.created()), Set.copyOf(second.existing()));
            assertTrue(second.partitionMismatches().isEmpty());

            TopicAdmin.Result third = TopicAdmin.ensureTopics(admin, 4, (short) 1);
            assertEquals(Topics.ALL.size(), third.partitionMismatches().size());
            assertEquals(2, third.partitionMismatches().get(Topics.SAMPLES.name()));

            assertEquals(
                    2,
                    admin.describeTopics(List.of(Topics.SAMPLES.name()))
                            .allTopicNames()
                            .get()
                            .get(Topics.SAMPLES.name())
                            .partitions()
                            .size());
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, Topics.PROMPT_BOUNDS.name());
            assertEquals(
                    "compact",
                    admin.describeConfigs(List.of(res))
                            .all()
                            .get()
                            .get(res)
                            .get("cleanup.policy")
                            .value());
        }
    }

    @Test
    void shouldFailASendToAMissingTopicInsteadOfAutoCreatingIt() throws Exception {
        Map<String, Object> cfg = shared.clientConfig();
        cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500);
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer())) {
            // The producer waits up to max.block.ms for the topic's metadata; the broker never creates it, so the
            // send's
            // future fails with the metadata timeout (send() itself does not throw: it reports through the future).
            ExecutionException e = assertThrows(
                    ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("typo-topic", "k", "v")).get(30, TimeUnit.SECONDS));
            TimeoutException cause = assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(
                    cause.getMessage().contains("typo-topic")
                            && cause.getMessage().contains("not present in metadata"),
                    cause.getMessage());
        }
        try (Admin admin = shared.admin()) {
            assertFalse(admin.listTopics().names().get().contains("typo-topic"), "the broker auto-created the topic");
        }
    }

    @Test
    void shouldCommitAndAbortTransactionsOnOneNode() throws Exception {
        EmbeddedKafka kafka = shared;
        try (Admin admin = kafka.admin()) {
            TopicAdmin.ensure(admin, List.of(new NewTopic("tx", 1, (short) 1)));
        }
        Map<String, Object> cfg = kafka.clientConfig();
        cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "probeval-test-tx");
        try (KafkaProducer<String, String> p =
                new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("tx", "k", "aborted"));
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>("tx", "k", "committed"));
            p.commitTransaction();
        }
        Map<String, Object> cc = kafka.clientConfig();
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("tx", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        assertEquals(List.of("committed"), values);
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
        Map<String, Object> cfg = kafka.clientConfig();
        cfg.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer());
    }

    static List<ConsumerRecord<String, String>> readAll(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> cfg = kafka.clientConfig();
        cfg.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
