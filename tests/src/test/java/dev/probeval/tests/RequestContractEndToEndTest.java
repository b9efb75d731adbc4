package dev.probeval.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's "every request ends", live: a worker (real stories260K model) and an aggregator on one embedded KRaft
 * broker with the project's registry. A request for a model version no worker serves ends REJECTED in the aggregator
 * (its REST answer says so, with the reason); alpha 0.7, numSamples 0 and non-Avro bytes each yield exactly one dead
 * letter, from the aggregator, with its reason code; a good request and one scored with the documented metric name
 * {@code exact_match} end FINAL.
 */
class RequestContractEndToEndTest {
  private static final String MODEL = "stories260k";
  private static final int PARTITIONS = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private EmbeddedKafka kafka;
  private SchemaRegistryServer registry;
  private Map<String, Object> serde;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  @TempDir Path tmp;

  @BeforeEach
  void startInfrastructure() {
    Stories.checkpoint();
    kafka = EmbeddedKafka.builder().build();
    registry = SchemaRegistryServer.builder().bootstrapServers(kafka.bootstrapServers()).port(0).start();
    serde = AvroSerdeConfig.forUrl(registry.url());
    try (Admin admin = kafka.admin()) {
      TopicAdmin.ensureTopics(admin, PARTITIONS, (short) 1);
    }
  }

  @AfterEach
  void stopInfrastructure() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
    if (registry != null) {
      registry.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private void produce(EvalRequest... rs) {
    try (KafkaProducer<String, EvalRequest> p = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
        Topics.EVAL_REQUESTS.valueSerde(serde).serializer())) {
      for (EvalRequest r : rs) {
        p.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), r.getRequestId(), r));
      }
      p.flush();
    }
  }

  private void produceRaw(String key, byte[] value) {
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
        new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), key, value));
      p.flush();
    }
  }

  /** Every committed dead letter, by the bad record's key. */
  private Map<String, List<DeadLetter>> committedDeadLetters() {
    Map<String, Object> c = new HashMap<>(kafka.clientConfig());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<DeadLetter>> out = new HashMap<>();
    try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        Topics.DEAD_LETTERS.valueSerde(serde).deserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(Topics.DEAD_LETTERS.name())
          .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out reading the dead letters");
        }
        for (ConsumerRecord<String, DeadLetter> r : consumer.poll(Duration.ofMillis(200))) {
          String key = new String(r.value().getKey() == null ? new byte[0] : r.value().getKey().array(),
              StandardCharsets.UTF_8);
          out.computeIfAbsent(key, k -> new ArrayList<>()).add(r.value());
        }
      }
    }
    return out;
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static JsonNode getJson(String url) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void unknownModelVersionEndsRejectedAndEveryBadRequestYieldsExactlyOneDeadLetter() throws Exception {
    SamplerWorker worker = SamplerWorker.start(WorkerConfig.builder().setBootstrapServers(kafka.bootstrapServers())
        .setSchemaRegistryUrl(registry.url()).setModels(Stories.catalog(MODEL)).optWorkerId("w-contract")
        .optChunkSize(2).optPollTimeout(Duration.ofMillis(100)).optRetryBackoff(Duration.ofMillis(200))
        .optTransactionTimeoutMs(10_000).build(), new SimpleMeterRegistry());
    closeAfter.add(worker);
    Aggregator agg = Aggregator.start(AggregatorConfig.builder().applicationId("agg-" + UUID.randomUUID())
        .bootstrapServers(kafka.bootstrapServers()).schemaRegistryUrl(registry.url()).stateDir(tmp.resolve("agg"))
        .httpPort(0).partitions(PARTITIONS).emitEverySamples(0).emitIntervalMs(200).modelEmitIntervalMs(200)
        .streamsConfig("commit.interval.ms", 100).streamsConfig("statestore.cache.max.bytes", 0)
        .streamsConfig("num.stream.threads", 1).build());
    closeAfter.add(agg);
    agg.awaitRunning(Duration.ofSeconds(60));

    produce(Requests.request("req-good", MODEL, 2).build(),
        Requests.request("req-unknown-model", "llama-70b", 4).build(),
        Requests.request("req-alpha", MODEL, 4).setAlpha(0.7).build(),
        Requests.request("req-zero-n", MODEL, 0).build(),
        Requests.request("req-exact-match", MODEL, 2).setScorer(dev.probeval.avro.ScorerConfig.newBuilder()
            .setMetric("exact_match").setLeakThreshold(0.5).setStripPrefixes(List.of()).build()).build());
    produceRaw("req-garbage", "not avro".getBytes(StandardCharsets.UTF_8));

    JsonNode[] rejected = new JsonNode[1];
    await("req-unknown-model REJECTED", Duration.ofSeconds(120), () -> {
      rejected[0] = getJson(agg.httpUrl() + "/api/v1/requests/req-unknown-model");
      return rejected[0] != null && "REJECTED".equals(rejected[0].get("status").asText());
    });
    assertEquals("UNKNOWN_MODEL_VERSION", rejected[0].get("rejectionReason").asText());
    assertTrue(rejected[0].get("rejectionMessage").asText().contains("llama-70b"), rejected[0].toString());
    assertEquals(0, rejected[0].get("n").asInt());

    for (String id : List.of("req-good", "req-exact-match")) {
      await(id + " FINAL", Duration.ofSeconds(120), () -> {
        JsonNode g = getJson(agg.httpUrl() + "/api/v1/requests/" + id);
        return g != null && "FINAL".equals(g.get("status").asText()) && g.get("n").asInt() == 2;
      });
    }
    // the worker has decided (and committed) every bad record, the aggregator has dead-lettered all three
    await("worker skipped the bad records", Duration.ofSeconds(60),
        () -> worker.metrics().errors("ALPHA_OUT_OF_RANGE") == 1 && worker.metrics().errors("NUM_SAMPLES_OUT_OF_RANGE") == 1
            && worker.metrics().errors("UNDESERIALIZABLE") == 1);
    await("aggregator dead-lettered the bad records", Duration.ofSeconds(60),
        () -> agg.metrics().deadLetterCount(DeadLetterReason.ALPHA_OUT_OF_RANGE) == 1
            && agg.metrics().deadLetterCount(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE) == 1
            && agg.metrics().deadLetterCount(DeadLetterReason.UNDESERIALIZABLE) == 1);

    Map<String, List<DeadLetter>> dls = committedDeadLetters();
    assertEquals(3, dls.size(), () -> "dead letters: " + dls);
    assertEquals(1, dls.get("req-alpha").size(), () -> "one dead letter for alpha 0.7: " + dls.get("req-alpha"));
    assertEquals("ALPHA_OUT_OF_RANGE", dls.get("req-alpha").get(0).getReasonCode());
    assertEquals(1, dls.get("req-zero-n").size());
    assertEquals("NUM_SAMPLES_OUT_OF_RANGE", dls.get("req-zero-n").get(0).getReasonCode());
    assertEquals(1, dls.get("req-garbage").size());
    assertEquals("UNDESERIALIZABLE", dls.get("req-garbage").get(0).getReasonCode());
    assertTrue(worker.failure().isEmpty());
  }
}
