package dev.probeval.benchmarks.serve;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The worker end to end, in-process: an embedded KRaft broker, the project's registry, one {@link SamplerWorker}
 * with the DJL backend; a batch of requests is produced and the clock stops once every scored sample is visible to a
 * {@code read_committed} consumer (so generation, scoring, serialisation and the transactions are all inside).
 */
final class WorkerPath implements AutoCloseable {
  private static final int PARTITIONS = 3;
  private final EmbeddedKafka kafka;
  private final SchemaRegistryServer registry;
  private final Map<String, Object> serde;
  private final SamplerWorker worker;
  private final KafkaProducer<String, EvalRequest> producer;
  private final KafkaConsumer<String, ScoredSample> consumer;

  WorkerPath(Path model, Path tokenizer, int chunkSize) {
    this(new ModelSpec("bench", model, tokenizer), chunkSize);
  }

  /** A worker serving version {@code bench} as {@code spec} says (a local model, or an HTTP endpoint). */
  WorkerPath(ModelSpec spec, int chunkSize) {
    kafka = EmbeddedKafka.builder().build();
    registry = SchemaRegistryServer.builder().bootstrapServers(kafka.bootstrapServers()).port(0).start();
    serde = AvroSerdeConfig.forUrl(registry.url());
    try (Admin admin = kafka.admin()) {
      TopicAdmin.ensureTopics(admin, PARTITIONS, (short) 1);
    }
    WorkerConfig cfg = WorkerConfig.builder().setBootstrapServers(kafka.bootstrapServers())
        .setSchemaRegistryUrl(registry.url())
        .setModels(ModelCatalog.of(List.of(spec)))
        .optChunkSize(chunkSize).optPollTimeout(Duration.ofMillis(50)).build();
    worker = SamplerWorker.start(cfg);
    producer = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
        Topics.EVAL_REQUESTS.valueSerde(serde).serializer());
    Map<String, Object> c = new HashMap<>(kafka.clientConfig());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), Topics.SAMPLES.valueSerde(serde).deserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      parts.add(new TopicPartition(Topics.SAMPLES.name(), p));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position);
  }

  static EvalRequest request(String id, String prompt, int n, int newTokens, long seed) {
    return EvalRequest.newBuilder().setRequestId(id).setModelVersion("bench").setPromptId("p-" + id)
        .setSuite("bench").setSplit("forget").setPrompt(prompt)
        .setReferences(List.of("there was a little girl named Lily"))
        .setScorer(ScorerConfig.newBuilder().setMetric("rougeL_recall").setLeakThreshold(0.5)
            .setStripPrefixes(List.of()).build())
        .setDecoding(DecodingConfig.newBuilder().setTemperature(1.0).setTopP(0.9).setTopK(0)
            .setMaxNewTokens(newTokens).setSeed(seed).setAdaptiveTemperature(false)
            .setAdaptiveTemperatureThreshold(0.9).build())
        .setNumSamples(n).setAlpha(0.05).setBoundMode(BoundMode.SOUND).setDrawGreedy(false)
        .setLogSampleTexts(true).setCreatedAt(Instant.now()).setAttributes(Map.of()).build();
  }

  /**
   * Produces the requests and waits until all their samples are committed; returns seconds, tokens and each
   * request's texts by sample index.
   */
  ServeBenchmark.Result run(List<ServeBenchmark.Req> reqs, int n, int newTokens, long seed) {
    Map<String, String[]> texts = new HashMap<>();
    Set<String> seen = new HashSet<>();
    long t0 = System.nanoTime();
    for (ServeBenchmark.Req r : reqs) {
      String id = r.id();
      texts.put(id, new String[n]);
      producer.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), id, request(id, r.prompt(), n, newTokens,
          seed)));
    }
    producer.flush();
    long tokens = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (seen.size() < reqs.size() * n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("worker path: timed out with " + seen.size() + " samples");
      }
      for (var rec : consumer.poll(Duration.ofMillis(20))) {
        ScoredSample s = rec.value();
        if (s.getRecordType() != ScoredRecordType.SAMPLE) {
          throw new IllegalStateException("worker rejected " + s.getRequestId() + ": " + s.getRejectionMessage());
        }
        String[] t = texts.get(s.getRequestId());
        if (t != null && seen.add(s.getSampleId())) {
          t[s.getSampleIndex()] = s.getText();
          tokens += s.getTokenCount();
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    List<List<String>> out = new ArrayList<>();
    for (ServeBenchmark.Req r : reqs) {
      out.add(List.of(texts.get(r.id())));
    }
    return new ServeBenchmark.Result(seconds, (long) reqs.size() * n, tokens, out);
  }

  @Override
  public void close() {
    consumer.close();
    producer.close();
    worker.close();
    registry.close();
    kafka.close();
  }
}
