package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.contract.RequestLimits;
import dev.probeval.kafka.KafkaServiceConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;

/** Range checks in the builder, and which properties reach which client. */
class WorkerConfigTest {
    private final MockKafka kafka = new MockKafka();

    private static void assertRejected(String expectedMessage, Consumer<WorkerConfig.Builder> option) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> option.accept(WorkerConfig.builder()));
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void outOfRangeOptionsAreRejectedNamingTheOptionAndTheValue() {
        assertRejected("chunk size must be >= 1, got 0", b -> b.optChunkSize(0));
        assertRejected("max-new-tokens limit must be >= 1, got 0", b -> b.optMaxNewTokensLimit(0));
        assertRejected("samples limit must be >= 1, got -3", b -> b.optMaxSamplesLimit(-3));
        assertRejected("transaction timeout must be >= 1000 ms, got 999", b -> b.optTransactionTimeoutMs(999));
        assertRejected("poll timeout must be > 0, got PT0S", b -> b.optPollTimeout(Duration.ZERO));
        assertRejected("retry backoff must be >= 0, got PT-1S", b -> b.optRetryBackoff(Duration.ofSeconds(-1)));
        assertRejected("metrics port must be in 0..65535, got 65536", b -> b.optMetricsEndpoint("127.0.0.1", 65536));
        assertRejected("worker id must be non-empty without whitespace, got 'a b'", b -> b.optWorkerId("a b"));
        assertRejected("group id must not be empty", b -> b.optGroupId(" "));
        assertRejected("at least one model version must be configured", b -> b.setModels(ModelCatalog.of(List.of())));
        assertRejected("consumer property name must not be empty", b -> b.optConsumerConfig("", 1));
        assertRejected("identifier limit must be in 16..4096, got 4097", b -> b.optMaxIdentifierChars(4097));
        assertRejected("produce attempts must be in 1..100, got 0", b -> b.optMaxProduceAttempts(0));
        assertRejected("stuck-after must be > 0, got PT0S", b -> b.optStuckAfter(Duration.ZERO));
        assertRejected("shutdown timeout must be >= 1s, got PT0.5S", b -> b.optShutdownTimeout(Duration.ofMillis(500)));
    }

    @Test
    void theSharedKafkaSettingsRejectOutOfRangeValuesToo() {
        KafkaServiceConfig.Builder k = WorkerConfig.kafkaBuilder();
        assertEquals(
                "partitions must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> k.optPartitions(0))
                        .getMessage());
        assertEquals(
                "replication factor must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> k.optReplicationFactor((short) 0))
                        .getMessage());
        assertEquals(
                "bootstrap servers must not be empty",
                assertThrows(IllegalArgumentException.class, () -> k.setBootstrapServers(""))
                        .getMessage());
        assertEquals(
                "schema registry URL must be an http(s) URL, got 'localhost:8081'",
                assertThrows(IllegalArgumentException.class, () -> k.optSchemaRegistryUrl("localhost:8081"))
                        .getMessage());
        assertEquals(
                "Kafka config security.protocol must have a value, got null",
                assertThrows(IllegalArgumentException.class, () -> k.optKafkaConfig("security.protocol", null))
                        .getMessage());
    }

    @Test
    void anApiKeyOverPlainHttpToARemoteHostIsRefusedUnlessAllowed() {
        ModelCatalog remote = ModelCatalog.parse(List.of("m=http://llm.example:8000,apiKeyEnv=KEY"));
        WorkerConfig.Builder b = kafka.config(2).setModels(remote);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals(
                "model m: the API key ($KEY) would be sent over plain http to http://llm.example:8000/v1; use https, "
                        + "a loopback address, or allow it explicitly (--allow-insecure-api-key)",
                e.getMessage());
        assertTrue(b.optAllowInsecureApiKey(true).build().allowInsecureApiKey());
        kafka.config(2)
                .setModels(ModelCatalog.parse(List.of(
                        "m=https://llm.example,apiKeyEnv=KEY",
                        "local=http://127.0.0.1:8000,apiKeyEnv=KEY",
                        "open=http://llm.example")))
                .build();
    }

    @Test
    void missingRequiredSettingsFailTheBuild() {
        assertEquals(
                "bootstrap servers are required",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> WorkerConfig.builder()
                                        .setKafka(WorkerConfig.kafkaBuilder()
                                                .optSchemaRegistryUrl("http://r")
                                                .build())
                                        .build())
                        .getMessage());
        assertEquals(
                "the schema registry URL is required",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> WorkerConfig.builder()
                                        .setKafka(WorkerConfig.kafkaBuilder()
                                                .setBootstrapServers("k:9092")
                                                .build())
                                        .build())
                        .getMessage());
    }

    @Test
    void defaultsAreTheDocumentedConstants() {
        WorkerConfig c = kafka.config(WorkerConfig.DEFAULT_CHUNK_SIZE).build();
        assertEquals(1000, c.maxIdentifierChars());
        assertEquals(3, c.maxProduceAttempts());
        assertEquals(Duration.ofMinutes(5), c.stuckAfter());
        assertEquals(Duration.ofSeconds(30), c.shutdownTimeout());
        assertFalse(c.allowInsecureApiKey());
        WorkerConfig d = WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers("k:9092")
                        .optSchemaRegistryUrl("http://r")
                        .build())
                .setModels(c.catalog())
                .build();
        assertEquals(WorkerConfig.DEFAULT_GROUP_ID, d.groupId());
        assertEquals(WorkerConfig.DEFAULT_CHUNK_SIZE, d.chunkSize());
        assertEquals(WorkerConfig.DEFAULT_MAX_NEW_TOKENS_LIMIT, d.maxNewTokensLimit());
        assertEquals(RequestLimits.DEFAULT_MAX_NUM_SAMPLES, d.maxSamplesLimit(), "the contract's, which applies first");
        assertEquals(WorkerConfig.DEFAULT_POLL_TIMEOUT, d.pollTimeout());
        assertEquals(WorkerConfig.DEFAULT_RETRY_BACKOFF, d.retryBackoff());
        assertEquals(WorkerConfig.DEFAULT_TRANSACTION_TIMEOUT_MS, d.transactionTimeoutMs());
        assertEquals(KafkaServiceConfig.DEFAULT_CREATE_TOPICS, d.kafka().createTopics());
        assertEquals(KafkaServiceConfig.DEFAULT_PARTITIONS, d.kafka().partitions());
        assertEquals(KafkaServiceConfig.DEFAULT_REPLICATION_FACTOR, d.kafka().replicationFactor());
        assertEquals(WorkerConfig.DEFAULT_METRICS_HOST, d.metricsHost());
        assertEquals(WorkerConfig.NO_METRICS_PORT, d.metricsPort());
    }

    @Test
    void theWorkersOwnLimitsAreCappedAtTheContractsWhichAppliesFirst() {
        RequestLimits contract = RequestLimits.builder()
                .optMaxNumSamples(500)
                .optMaxNewTokens(1000)
                .build();
        WorkerConfig c = kafka.config(2, kafka.kafkaConfig().optRequestLimits(contract))
                .optMaxSamplesLimit(1_000_000)
                .optMaxNewTokensLimit(4096)
                .build();
        assertEquals(500, c.maxSamplesLimit());
        assertEquals(1000, c.maxNewTokensLimit());
        WorkerConfig lower =
                kafka.config(2).optMaxSamplesLimit(10).optMaxNewTokensLimit(64).build();
        assertEquals(10, lower.maxSamplesLimit());
        assertEquals(64, lower.maxNewTokensLimit());
    }

    @Test
    void kafkaConfigReachesEveryClientAndSpecificConfigOverridesIt() {
        WorkerConfig c = kafka.config(
                        2,
                        kafka.kafkaConfig()
                                .optKafkaConfig("security.protocol", "SASL_SSL")
                                .optKafkaConfig("sasl.mechanism", "PLAIN")
                                .optKafkaConfig("request.timeout.ms", 1111)
                                .optKafkaConfig("max.poll.records", 99)) // overrides the worker's default of 16
                .optConsumerConfig("request.timeout.ms", 2222)
                .optProducerConfig("request.timeout.ms", 3333)
                .build();
        Map<String, Object> consumer = WorkerClients.consumerProps(c);
        Map<String, Object> producer = WorkerClients.producerProps(c);
        Map<String, Object> admin = WorkerClients.adminProps(c);
        for (Map<String, Object> p : List.of(consumer, producer, admin)) {
            assertEquals("SASL_SSL", p.get("security.protocol"));
            assertEquals("PLAIN", p.get("sasl.mechanism"));
            assertEquals("mock:9092", p.get("bootstrap.servers"));
        }
        assertEquals(1111, admin.get("request.timeout.ms"));
        assertEquals(2222, consumer.get("request.timeout.ms"));
        assertEquals(3333, producer.get("request.timeout.ms"));
        assertEquals(99, consumer.get("max.poll.records"));
    }

    @Test
    void keysExactlyOnceOrADedicatedSettingOwnsAreRefusedNotOverwritten() {
        for (String key : List.of(
                "bootstrap.servers",
                "enable.auto.commit",
                "group.id",
                "client.id",
                "isolation.level",
                "transactional.id",
                "enable.idempotence",
                "acks",
                "transaction.timeout.ms")) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> kafka.kafkaConfig().optKafkaConfig(key, "x"));
            assertTrue(
                    e.getMessage().startsWith("Kafka config " + key + " cannot be passed through: "), e.getMessage());
            assertEquals(
                    e.getMessage(),
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> kafka.config(2).optConsumerConfig(key, "x"))
                            .getMessage());
            assertEquals(
                    e.getMessage(),
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> kafka.config(2).optProducerConfig(key, "x"))
                            .getMessage());
        }
        // a value built without the worker's keys is checked again when it is handed over
        KafkaServiceConfig plain = KafkaServiceConfig.builder()
                .setBootstrapServers("k:1")
                .optSchemaRegistryUrl("http://r")
                .optKafkaConfig("acks", "1")
                .build();
        assertEquals(
                "Kafka config acks cannot be passed through: exactly-once needs acks=all",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> WorkerConfig.builder().setKafka(plain))
                        .getMessage());
        Map<String, Object> consumer =
                WorkerClients.consumerProps(kafka.config(2).build());
        assertEquals(false, consumer.get("enable.auto.commit"));
        assertEquals("read_committed", consumer.get("isolation.level"));
    }

    @Test
    void topicCreationUsesAnAdminClientBuiltFromTheConnectionProperties() {
        WorkerConfig c = kafka.config(
                        2,
                        kafka.kafkaConfig()
                                .optKafkaConfig("security.protocol", "SSL")
                                .optCreateTopics(true)
                                .optPartitions(3))
                .build();
        Map<String, Object> seen = new HashMap<>();
        KafkaClientFactory recording = new KafkaClientFactory() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(Map<String, Object> props) {
                throw new AssertionError("topics are created before the consumer");
            }

            @Override
            public Producer<String, byte[]> producer(Map<String, Object> props) {
                throw new AssertionError("topics are created before the producer");
            }

            @Override
            public Admin admin(Map<String, Object> props) {
                seen.putAll(props);
                throw new IllegalStateException("stop here");
            }
        };
        assertThrows(IllegalStateException.class, () -> WorkerClients.open(c, recording, null));
        assertEquals("SSL", seen.get("security.protocol"));
        assertEquals("mock:9092", seen.get("bootstrap.servers"));
        assertTrue(String.valueOf(seen.get("client.id")).contains("w-unit"));
    }

    @Test
    void anExplicitWorkerIdIsTheGroupInstanceIdAndTheSessionTimeoutDefaultsTo15s() {
        WorkerConfig c = kafka.config(2).build();
        Map<String, Object> consumer = WorkerClients.consumerProps(c);
        assertEquals(c.workerId(), consumer.get("group.instance.id"), "static membership from the stable worker id");
        assertEquals(KafkaServiceConfig.DEFAULT_SESSION_TIMEOUT_MS, consumer.get("session.timeout.ms"));
        assertEquals(15_000, KafkaServiceConfig.DEFAULT_SESSION_TIMEOUT_MS);

        WorkerConfig dynamic = kafka.config(2, kafka.kafkaConfig().optSessionTimeoutMs(45_000))
                .optStaticMembership(false)
                .build();
        assertFalse(WorkerClients.consumerProps(dynamic).containsKey("group.instance.id"));
        assertEquals(45_000, WorkerClients.consumerProps(dynamic).get("session.timeout.ms"));

        WorkerConfig defaultId = WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers("k:9092")
                        .optSchemaRegistryUrl("http://r")
                        .build())
                .setModels(c.catalog())
                .build();
        assertNull(defaultId.groupInstanceId(), "<host>-<pid> changes on restart: no static membership from it");
        assertEquals(
                "session timeout must be >= 1 ms, got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> WorkerConfig.builder()
                                        .setKafka(WorkerConfig.kafkaBuilder()
                                                .optSessionTimeoutMs(0)
                                                .build()))
                        .getMessage());
    }
}
