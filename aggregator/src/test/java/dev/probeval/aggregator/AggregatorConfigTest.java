package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** The aggregator's settings: pass-through reaching every client, range checks, defaults. */
class AggregatorConfigTest {

  @Test
  void kafkaConfigShouldReachStreamsAndTheAdminClient() {
    AggregatorConfig c = AggregatorConfig.builder().bootstrapServers("k1:9093")
        .optKafkaConfig("security.protocol", "SASL_SSL")
        .optKafkaConfig("sasl.mechanism", "PLAIN")
        .optKafkaConfig("commit.interval.ms", 200)
        .optKafkaConfig("admin.request.timeout.ms", 5000)
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
    for (String key : new String[] {"bootstrap.servers", "application.id", "processing.guarantee", "state.dir",
        "application.server"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> AggregatorConfig.builder().optKafkaConfig(key, "x"));
      assertTrue(e.getMessage().startsWith("Kafka config " + key + " cannot be passed through"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().optKafkaConfig(" ", "x"));
  }

  @Test
  void buildersShouldRejectOutOfRangeValuesNamingThem() {
    assertEquals("http port must be in 0..65535, got 70000", assertThrows(IllegalArgumentException.class,
        () -> AggregatorConfig.builder().httpPort(70000)).getMessage());
    assertEquals("partitions must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> AggregatorConfig.builder().partitions(0)).getMessage());
    assertEquals("stream threads must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> AggregatorConfig.builder().streamThreads(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().edLambda(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().emitEverySamples(-1));
  }

  @Test
  void defaultsShouldBeThreePartitionsOneReplicaAndTopicCreation() {
    AggregatorConfig c = AggregatorConfig.builder().build();
    assertEquals(AggregatorConfig.DEFAULT_PARTITIONS, c.partitions());
    assertEquals(3, c.partitions());
    assertEquals(1, c.replicationFactor());
    assertTrue(c.createTopics());
    assertEquals(4, c.toBuilder().streamThreads(4).build().streamsProperties(1).get("num.stream.threads"));
  }

  @Test
  void onlyNonRetriableThreadErrorsShouldShutTheClientDown() {
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        Aggregator.responseTo(new StreamsException(new SaslAuthenticationException("bad password"))));
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        Aggregator.responseTo(new TopicAuthorizationException("no rights")));
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        Aggregator.responseTo(new org.apache.kafka.streams.errors.MissingSourceTopicException("no samples topic")));
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
        Aggregator.responseTo(new StreamsException(new IllegalStateException("registry down"))));
  }

  @Test
  void instanceIdShouldBecomeTheMainConsumersGroupInstanceIdAndSessionTimeoutDefaultTo15s() {
    Properties dynamic = AggregatorConfig.builder().build().streamsProperties(8090);
    assertFalse(dynamic.containsKey("main.consumer.group.instance.id"), "dynamic membership unless asked");
    assertEquals(15_000, dynamic.get("main.consumer.session.timeout.ms"));
    Properties stat = AggregatorConfig.builder().optInstanceId("agg-a").optSessionTimeoutMs(20_000).build()
        .streamsProperties(8090);
    assertEquals("agg-a", stat.get("main.consumer.group.instance.id"));
    assertEquals(20_000, stat.get("main.consumer.session.timeout.ms"));
    assertEquals("instance id must be non-empty without whitespace, got 'a b'",
        assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().optInstanceId("a b"))
            .getMessage());
    assertEquals("session timeout must be >= 1 ms, got 0", assertThrows(IllegalArgumentException.class,
        () -> AggregatorConfig.builder().optSessionTimeoutMs(0)).getMessage());
    assertEquals("agg-a", AggregatorConfig.builder().optInstanceId("agg-a").build().toBuilder().build().instanceId());
  }

  @Test
  void servingLimitsHaveDocumentedDefaultsAndRangeChecks() {
    AggregatorConfig d = AggregatorConfig.builder().build();
    assertEquals(100, d.metricsMaxModelVersions());
    assertEquals(100, d.metricsMaxRollups());
    assertEquals(64, d.maxEventSubscribers());
    assertEquals(8, d.queryThreads());
    assertEquals(64, d.queryQueue());
    AggregatorConfig c = AggregatorConfig.builder().metricsMaxModelVersions(5).metricsMaxRollups(6)
        .maxEventSubscribers(7).queryThreads(3).queryQueue(0).build().toBuilder().build();
    assertEquals(5, c.metricsMaxModelVersions());
    assertEquals(6, c.metricsMaxRollups());
    assertEquals(7, c.maxEventSubscribers());
    assertEquals(3, c.queryThreads());
    assertEquals(0, c.queryQueue(), "toBuilder keeps every limit");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AggregatorConfig.builder().metricsMaxModelVersions(0));
    assertEquals("metrics max model versions must be in 1..100000, got 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().metricsMaxRollups(100_001));
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().queryThreads(0));
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().queryThreads(257));
    assertThrows(IllegalArgumentException.class, () -> AggregatorConfig.builder().maxEventSubscribers(10_001));
  }
}
