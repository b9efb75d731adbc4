package dev.probeval.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.registry.CompatibilityLevel;
import dev.probeval.registry.SchemaMetadata;
import dev.probeval.registry.SchemaRegistryState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the registry's state in a compacted, single-partition Kafka topic: one record per registered version (key
 * {@code {"keytype":"SCHEMA","subject":s,"version":v}}) and per compatibility setting (key {@code
 * {"keytype":"CONFIG","subject":s|null}}), JSON-encoded. On start the whole topic is replayed into a {@link
 * SchemaRegistryState}; before each write the store catches up with records other instances may have appended, so
 * ids stay unique. Not thread-safe: the server serialises calls.
 */
final class KafkaSchemaStore implements SchemaStore {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final TopicPartition partition;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    KafkaSchemaStore(Map<String, Object> clientConfig, String topic, short replicationFactor) {
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        Map<String, Object> admin = new HashMap<>(clientConfig);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        try (Admin a = Admin.create(admin)) {
            // One partition: the order of the records is the order ids were handed out in.
            TopicAdmin.ensure(
                    a,
                    List.of(new NewTopic(topic, 1, replicationFactor)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
        }
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
    }

    @Override
    public String topic() {
        return topic;
    }

    /** Applies every record not yet read, up to the current end of the topic; returns how many were applied. */
    @Override
    public int catchUp(SchemaRegistryState state) {
        long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
        int applied = 0;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(partition, TIMEOUT) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out reading schema topic " + topic + " up to offset " + end);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                applied += apply(state, r) ? 1 : 0;
            }
        }
        return applied;
    }

    /** Persists a new version; returns once the broker acknowledged it. */
    @Override
    public void appendSchema(SchemaMetadata m) {
        ObjectNode key = JSON.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", m.subject())
                .put("version", m.version())
                .put("magic", 1);
        ObjectNode value = JSON.createObjectNode()
                .put("subject", m.subject())
                .put("version", m.version())
                .put("id", m.id())
                .put("schemaType", "AVRO")
                .put("schema", m.schema())
                .put("deleted", false);
        send(key, value);
    }

    /** Persists a compatibility level (subject null = global); a null level clears a subject's own level. */
    @Override
    public void appendConfig(String subject, CompatibilityLevel level) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG").put("magic", 0);
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        send(key, level == null ? null : JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }

    private void send(ObjectNode key, ObjectNode value) {
        byte[] k = key.toString().getBytes(StandardCharsets.UTF_8);
        byte[] v = value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8);
        try {
            producer.send(new ProducerRecord<>(topic, 0, k, v)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing to schema topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot write to schema topic " + topic + ": " + e, e);
        }
    }

    private boolean apply(SchemaRegistryState state, ConsumerRecord<byte[], byte[]> r) {
        try {
            JsonNode key = JSON.readTree(r.key());
            JsonNode value = r.value() == null ? null : JSON.readTree(r.value());
            String type = key.path("keytype").asText();
            switch (type) {
                case "SCHEMA" -> {
                    if (value == null || value.path("deleted").asBoolean(false)) {
                        return false;
                    }
                    state.apply(new SchemaMetadata(
                            value.get("subject").asText(),
                            value.get("version").asInt(),
                            value.get("id").asInt(),
                            value.get("schema").asText()));
                    return true;
                }
                case "CONFIG" -> {
                    String subject =
                            key.hasNonNull("subject") ? key.get("subject").asText() : null;
                    state.applyConfig(
                            subject,
                            value == null
                                    ? null
                                    : CompatibilityLevel.parse(
                                            value.path("compatibilityLevel").asText()));
                    return true;
                }
                default -> {
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            // A foreign or damaged record must not stop the registry from serving everything else.
            LOG.warn("Skipping unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close();
    }
}
