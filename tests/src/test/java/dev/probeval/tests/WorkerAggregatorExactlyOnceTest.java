package dev.probeval.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.worker.BackendFactory;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sampler worker and an aggregator on one in-JVM KRaft broker and the project's HTTP schema registry, with the real
 * stories260K model: the aggregator's bounds count every sample of a request once however the worker was
 * interrupted, whatever an aborted transaction left in the log, and however often the request is re-sent.
 */
class WorkerAggregatorExactlyOnceTest {
  private static final String MODEL = "stories260k";
  private static final int PARTITIONS = 2;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A score no ROUGE-L recall against the 7-word reference can have (those are k / 7). */
  private static final double FOREIGN_SCORE = 0.123456789;

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
    closeAfter.clear();
    if (registry != null) {
      registry.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private SamplerWorker startWorker(String workerId, BackendFactory backend) {
    SamplerWorker w = SamplerWorker.start(WorkerConfig.builder().setBootstrapServers(kafka.bootstrapServers())
        .setSchemaRegistryUrl(registry.url()).setModels(Stories.catalog(MODEL)).optWorkerId(workerId)
        .optChunkSize(2).optBackendFactory(backend).optPollTimeout(Duration.ofMillis(100))
        .optRetryBackoff(Duration.ofMillis(200)).optTransactionTimeoutMs(10_000)
        // A dead worker (no LeaveGroup) is noticed after the session timeout: the broker's minimum keeps it short.
        .optConsumerConfig(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
        .optConsumerConfig(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500).build(), new SimpleMeterRegistry());
    closeAfter.add(w);
    return w;
  }

  /** Stands in for a process that dies: an {@link Error} from the model ends the worker's loop at once. */
  private static final class SimulatedDeath extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedDeath() {
      super("simulated death of the worker process");
    }
  }

  /** The real model, except that generate call number {@code dieAt} (1-based) kills the worker. */
  private static BackendFactory dyingAt(SamplingBackend real, int dieAt) {
    AtomicInteger calls = new AtomicInteger();
    return spec -> new SamplingBackend() {
      @Override
      public List<GeneratedSample> generate(GenerationRequest request) {
        if (calls.incrementAndGet() == dieAt) {
          throw new SimulatedDeath();
        }
        return real.generate(request);
      }

      @Override
      public String describe() {
        return real.describe();
      }

      @Override
      public void close() {}
    };
  }

  private void produce(EvalRequest r) {
    try (KafkaProducer<String, EvalRequest> p = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
        Topics.EVAL_REQUESTS.valueSerde(serde).serializer())) {
      p.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), r.getRequestId(), r));
      p.flush();
    }
  }

  /** Copies of the request's samples {@code indices} with a foreign score, sent in a transaction that aborts. */
  private void produceAbortedCopies(ScoredSample template, List<Integer> indices) {
    Map<String, Object> c = new HashMap<>(kafka.clientConfig());
    c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-aborted-" + UUID.randomUUID());
    try (KafkaProducer<String, ScoredSample> p = new KafkaProducer<>(c, new StringSerializer(),
        Topics.SAMPLES.valueSerde(serde).serializer())) {
      p.initTransactions();
      p.beginTransaction();
      for (int i : indices) {
        p.send(new ProducerRecord<>(Topics.SAMPLES.name(), template.getRequestId(), ScoredSample.newBuilder(template)
            .setSampleIndex(i).setSampleId(SampleIds.sampleId(template.getRequestId(), i)).setScore(FOREIGN_SCORE)
            .build()));
      }
      p.flush();
      p.abortTransaction();
    }
  }

  /** Every committed sample of {@code requestId}, once at least {@code atLeast} are there. */
  private List<ScoredSample> committedSamples(String requestId, int atLeast) {
    Map<String, Object> c = new HashMap<>(kafka.clientConfig());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, ScoredSample> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        Topics.SAMPLES.valueSerde(serde).deserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        parts.add(new TopicPartition(Topics.SAMPLES.name(), p));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      List<ScoredSample> seen = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      int quiet = 0;
      while (seen.size() < atLeast || quiet < 4) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out waiting for " + atLeast + " samples of " + requestId + "; saw "
              + seen.size());
        }
        var recs = consumer.poll(Duration.ofMillis(250));
        quiet = recs.isEmpty() ? quiet + 1 : 0;
        for (ConsumerRecord<String, ScoredSample> r : recs) {
          if (requestId.equals(r.key())) {
            seen.add(r.value());
          }
        }
      }
      return seen;
    }
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

  private static JsonNode awaitFinal(Aggregator agg, String requestId, int n) throws InterruptedException {
    JsonNode[] last = new JsonNode[1];
    await("FINAL bounds with n = " + n + " for " + requestId, Duration.ofSeconds(90), () -> {
      last[0] = getJson(agg.httpUrl() + "/api/v1/requests/" + requestId);
      return last[0] != null && last[0].get("n").asInt() == n && "FINAL".equals(last[0].get("status").asText());
    });
    return last[0];
  }

  @Test
  void aggregatorCountsEverySampleOnceAfterAWorkerDiesMidRequestAndTheRequestIsResent() throws Exception {
    SamplingBackend model = Models.openBackend(Stories.checkpoint(), Stories.tokenizer());
    closeAfter.add(model::close);
    EvalRequest r = Requests.request("req-kill", MODEL, 6).build();
    produce(r);

    // Worker A commits chunk 0 (greedy, 0, 1) and dies drawing chunk 1.
    SamplerWorker a = startWorker("w-kill", dyingAt(model, 2));
    ExecutionException death = assertThrows(ExecutionException.class, () -> a.terminated().get(120, TimeUnit.SECONDS));
    assertInstanceOf(SimulatedDeath.class, death.getCause());
    assertEquals(3.0, a.metrics().samples(), "A committed the greedy baseline and samples 0, 1");

    // An aborted transaction leaves conflicting copies of samples 2..5 in the log: read_committed must skip them.
    produceAbortedCopies(committedSamples("req-kill", 3).get(0), List.of(2, 3, 4, 5));

    // Worker B takes the same slot and draws only what A had not committed.
    SamplerWorker b = startWorker("w-kill", spec -> model);
    List<ScoredSample> got = committedSamples("req-kill", 7);
    assertEquals(Set.of(-1, 0, 1, 2, 3, 4, 5),
        got.stream().map(ScoredSample::getSampleIndex).collect(Collectors.toSet()));
    assertEquals(7, got.size(), "every sample committed once");
    assertTrue(got.stream().noneMatch(s -> s.getScore() == FOREIGN_SCORE), "aborted copies are not committed");
    await("B's request done", Duration.ofSeconds(10), () -> b.metrics().inFlight() == 0);
    assertEquals(4.0, b.metrics().samples(), "B drew only the 4 samples A had not committed");

    Aggregator agg = Aggregator.start(AggregatorConfig.builder().applicationId("agg-" + UUID.randomUUID())
        .bootstrapServers(kafka.bootstrapServers()).schemaRegistryUrl(registry.url()).stateDir(tmp.resolve("agg"))
        .httpPort(0).partitions(PARTITIONS).emitEverySamples(0).emitIntervalMs(200).modelEmitIntervalMs(200)
        .streamsConfig("commit.interval.ms", 100).streamsConfig("statestore.cache.max.bytes", 0)
        .streamsConfig("num.stream.threads", 1).build());
    closeAfter.add(agg);
    agg.awaitRunning(Duration.ofSeconds(60));
    JsonNode bounds = awaitFinal(agg, "req-kill", 6);
    assertEquals(6, bounds.get("targetN").asInt());
    double mean = got.stream().filter(s -> s.getSampleIndex() >= 0).mapToDouble(ScoredSample::getScore)
        .average().orElseThrow();
    assertEquals(mean, bounds.get("mean").asDouble(), 1e-12, "the committed scores, not the aborted copies");
    double greedyScore = got.stream().filter(s -> s.getSampleIndex() < 0).findFirst().orElseThrow().getScore();
    assertEquals(greedyScore, bounds.get("greedyScore").asDouble(), 1e-12);

    // Re-sending the request makes B produce all 7 samples again: identical ids, counted once.
    double dupBefore = agg.metrics().duplicateCount();
    produce(r);
    committedSamples("req-kill", 14);
    await("aggregator drops the 6 re-produced samples", Duration.ofSeconds(60),
        () -> agg.metrics().duplicateCount() - dupBefore >= 6);
    Thread.sleep(500);
    JsonNode again = getJson(agg.httpUrl() + "/api/v1/requests/req-kill");
    assertEquals(6, again.get("n").asInt(), "n counted once despite 2 copies of every sample");
    assertEquals("FINAL", again.get("status").asText());
    assertEquals(mean, again.get("mean").asDouble(), 1e-12);
    assertFalse(b.failure().isPresent());
  }
}
