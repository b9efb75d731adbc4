package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.kafka.KafkaServiceConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** The aggregator's settings: pass-through reaching every client, range checks, defaults. */
class AggregatorConfigTest {
    /** A cluster and registry, the least a config needs. */
    private static KafkaServiceConfig.Builder kafka() {
        return AggregatorConfig.kafkaBuilder().setBootstrapServers("k1:9093").optSchemaRegistryUrl("http://r:8081");
    }

    private static AggregatorConfig.Builder builder() {
        return AggregatorConfig.builder().setKafka(kafka().build());
    }

    @Test
    void kafkaConfigShouldReachStreamsAndTheAdminClient() {
        AggregatorConfig c = AggregatorConfig.builder()
                .setKafka(kafka().optKafkaConfig("security.protocol", "SASL_SSL")
                        .optKafkaConfig("sasl.mechanism", "PLAIN")
                        .optKafkaConfig("commit.interval.ms", 200)
                        .optKafkaConfig("admin.request.timeout.ms", 5000)
                        .build())
                .build();
        Properties streams = c.streamsProperties(8090);
        assertEquals("SASL_SSL", streams.get("security.protocol"));
        assertEquals("PLAIN", streams.get("sasl.mechanism"));
        assertEquals(200, streams.get("commit.interval.ms"));
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));

        Map<String, Object> admin = c.adminProperties();
        assertEquals("k1:9093", admin.get("bootstrap.servers"));
        assertEquals("SASL_SSL", admin.get("security.protocol"));
        assertEquals("PLAIN", admin.get("sasl.mechanism"));
        assertEquals(5000, admin.get("request.timeout.ms"), "admin.-prefixed settings reach the Admin unprefixed");
        assertFalse(admin.containsKey("commit.interval.ms"), "Streams-only keys would make the Admin warn");
    }

    @Test
    void kafkaConfigShouldRefuseKeysThatADedicatedSettingOwns() {
        for (String key : new String[] {
            "bootstrap.servers", "application.id", "processing.guarantee", "state.dir", "application.server"
        }) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> AggregatorConfig.kafkaBuilder().optKafkaConfig(key, "x"));
            assertTrue(e.getMessage().startsWith("Kafka config " + key + " cannot be passed through"), e.getMessage());
            // a value built without the aggregator's keys is checked again when it is handed over
            if (!key.equals("bootstrap.servers")) {
                KafkaServiceConfig plain = KafkaServiceConfig.builder()
                        .setBootstrapServers("k:1")
                        .optSchemaRegistryUrl("http://r:1")
                        .optKafkaConfig(key, "x")
                        .build();
                IllegalArgumentException again = assertThrows(
                        IllegalArgumentException.class,
                        () -> AggregatorConfig.builder().setKafka(plain));
                assertEquals(e.getMessage(), again.getMessage());
            }
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> AggregatorConfig.kafkaBuilder().optKafkaConfig(" ", "x"));
    }

    @Test
    void kafkaAndTheRegistryShouldBeRequired() {
        assertEquals(
                "Kafka settings are required (setKafka)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> AggregatorConfig.builder().build())
                        .getMessage());
        assertEquals(
                "the schema registry URL is required",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> AggregatorConfig.builder()
                                        .setKafka(KafkaServiceConfig.builder()
                                                .setBootstrapServers("k:1")
                                                .build()))
                        .getMessage());
    }

    @Test
    void buildersShouldRejectOutOfRangeValuesNamingThem() {
        assertEquals(
                "http port must be in 0..65535, got 70000",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> AggregatorConfig.builder().optHttpPort(70000))
                        .getMessage());
        assertEquals(
                "partitions must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> kafka().optPartitions(0))
                        .getMessage());
        assertEquals(
                "stream threads must be >= 1, got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> AggregatorConfig.builder().optStreamThreads(0))
                        .getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optEdLambda(Double.NaN));
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optEmitEverySamples(-1));
    }

    @Test
    void defaultsShouldBeThreePartitionsOneReplicaAndTopicCreation() {
        AggregatorConfig c = builder().build();
        assertEquals(KafkaServiceConfig.DEFAULT_PARTITIONS, c.kafka().partitions());
        assertEquals(3, c.kafka().partitions());
        assertEquals(1, c.kafka().replicationFactor());
        assertTrue(c.kafka().createTopics());
        assertEquals(AggregatorConfig.DEFAULT_HTTP_PORT, c.httpPort());
        assertEquals(c.httpHost(), c.advertisedHost());
        assertEquals(
                4,
                c.toBuilder().optStreamThreads(4).build().streamsProperties(1).get("num.stream.threads"));
    }

    @Test
    void onlyNonRetriableThreadErrorsShouldShutTheClientDown() {
        assertEquals(
                StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
                Aggregator.responseTo(new StreamsException(new SaslAuthenticationException("bad password"))));
        assertEquals(
                StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
                Aggregator.responseTo(new TopicAuthorizationException("no rights")));
        assertEquals(
                StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
                Aggregator.responseTo(
                        new org.apache.kafka.streams.errors.MissingSourceTopicException("no samples topic")));
        assertEquals(
                StreamThreadExceptionResponse.REPLACE_THREAD,
                Aggregator.responseTo(new StreamsException(new IllegalStateException("registry down"))));
    }

    @Test
    void instanceIdShouldBecomeTheMainConsumersGroupInstanceIdAndSessionTimeoutDefaultTo15s() {
        Properties dynamic = builder().build().streamsProperties(8090);
        assertFalse(dynamic.containsKey("main.consumer.group.instance.id"), "dynamic membership unless asked");
        assertEquals(15_000, dynamic.get("main.consumer.session.timeout.ms"));
        Properties stat = AggregatorConfig.builder()
                .setKafka(kafka().optInstanceId("agg-a")
                        .optSessionTimeoutMs(20_000)
                        .build())
                .build()
                .streamsProperties(8090);
        assertEquals("agg-a", stat.get("main.consumer.group.instance.id"));
        assertEquals(20_000, stat.get("main.consumer.session.timeout.ms"));
        assertEquals(
                "instance id must be non-empty without whitespace, got 'a b'",
                assertThrows(IllegalArgumentException.class, () -> kafka().optInstanceId("a b"))
                        .getMessage());
        assertEquals(
                "session timeout must be >= 1 ms, got 0",
                assertThrows(IllegalArgumentException.class, () -> kafka().optSessionTimeoutMs(0))
                        .getMessage());
        assertEquals(
                "agg-a",
                AggregatorConfig.builder()
                        .setKafka(kafka().optInstanceId("agg-a").build())
                        .build()
                        .toBuilder()
                        .build()
                        .kafka()
                        .instanceId());
    }

    @Test
    void servingLimitsHaveDocumentedDefaultsAndRangeChecks() {
        AggregatorConfig d = builder().build();
        assertEquals(100, d.metricsMaxModelVersions());
        assertEquals(100, d.metricsMaxRollups());
        assertEquals(64, d.maxEventSubscribers());
        assertEquals(8, d.queryThreads());
        assertEquals(64, d.queryQueue());
        AggregatorConfig c = builder()
                .optMetricsMaxModelVersions(5)
                .optMetricsMaxRollups(6)
                .optMaxEventSubscribers(7)
                .optQueryThreads(3)
                .optQueryQueue(0)
                .build()
                .toBuilder()
                .build();
        assertEquals(5, c.metricsMaxModelVersions());
        assertEquals(6, c.metricsMaxRollups());
        assertEquals(7, c.maxEventSubscribers());
        assertEquals(3, c.queryThreads());
        assertEquals(0, c.queryQueue(), "toBuilder keeps every limit");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optMetricsMaxModelVersions(0));
        assertEquals("metrics max model versions must be in 1..100000, got 0", e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optMetricsMaxRollups(100_001));
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optQueryThreads(0));
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optQueryThreads(257));
        assertThrows(
                IllegalArgumentException.class, () -> AggregatorConfig.builder().optMaxEventSubscribers(10_001));
    }
}
