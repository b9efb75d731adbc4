package dev.probeval.benchmarks.serve;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.model.CausalLm;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.LocalBackend;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.worker.BackendFactory;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 * with the DJL or HTTP backend; a batch of requests is produced and the clock stops once the worker has committed
 * the last chunk's transaction (so polling, generation, scoring, serialisation and the transactions are all inside);
 * a {@code read_committed} consumer then reads every sample back, untimed.
 */
final class WorkerPath implements AutoCloseable {
    private static final int PARTITIONS = 3;
    private final EmbeddedKafka kafka;
    private final SchemaRegistryServer registry;
    private final Map<String, Object> serde;
    private final SamplerWorker worker;
    private final KafkaProducer<String, EvalRequest> producer;
    private final KafkaConsumer<String, ScoredSample> consumer;
    private final int chunkSize;

    /**
     * A worker serving version {@code bench} in process on {@code shared}, the model instance the other paths of the
     * benchmark use (not closed here). Two loads of the same checkpoint decoded at speeds up to 15-20 % apart for a
     * whole run (memory placement), which would otherwise show up as a difference between the paths.
     */
    WorkerPath(CausalLm shared, int chunkSize) {
        this(new ModelSpec("bench", Path.of("shared-model-instance"), null), chunkSize, new BackendFactory() {
            @Override
            public SamplingBackend open(ModelSpec spec) {
                LocalBackend inner = new LocalBackend(shared);
                return new SamplingBackend() {
                    @Override
                    public List<GeneratedSample> generate(GenerationRequest req) {
                        return inner.generate(req);
                    }

                    @Override
                    public String describe() {
                        return inner.describe();
                    }

                    @Override
                    public void close() {
                        // the benchmark owns the model
                    }
                };
            }
        });
    }

    /** A worker serving version {@code bench} as {@code spec} says (a local model, or an HTTP endpoint). */
    WorkerPath(ModelSpec spec, int chunkSize) {
        this(spec, chunkSize, BackendFactory.standard());
    }

    private WorkerPath(ModelSpec spec, int chunkSize, BackendFactory backends) {
        this.chunkSize = chunkSize;
        kafka = EmbeddedKafka.builder().build();
        registry = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .start();
        serde = AvroSerdeConfig.forUrl(registry.url());
        try (Admin admin = kafka.admin()) {
            TopicAdmin.ensureTopics(admin, PARTITIONS, (short) 1);
        }
        WorkerConfig cfg = WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .optSchemaRegistryUrl(registry.url())
                        .build())
                .setModels(ModelCatalog.of(List.of(spec)))
                .optChunkSize(chunkSize)
                .optPollTimeout(Duration.ofMillis(50))
                .optBackendFactory(backends)
                .build();
        worker = SamplerWorker.start(cfg);
        producer = new KafkaProducer<>(
                kafka.clientConfig(),
                new StringSerializer(),
                Topics.EVAL_REQUESTS.valueSerde(serde).serializer());
        Map<String, Object> c = new HashMap<>(kafka.clientConfig());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(
                c, new StringDeserializer(), Topics.SAMPLES.valueSerde(serde).deserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            parts.add(new TopicPartition(Topics.SAMPLES.name(), p));
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
    }

    static EvalRequest request(String id, String prompt, int n, int newTokens, long seed) {
        return EvalRequest.newBuilder()
                .setRequestId(id)
                .setModelVersion("bench")
                .setPromptId("p-" + id)
                .setSuite("bench")
                .setSplit("forget")
                .setPrompt(prompt)
                .setReferences(List.of("there was a little girl named Lily"))
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("rougeL_recall")
                        .setLeakThreshold(0.5)
                        .setStripPrefixes(List.of())
                        .build())
                .setDecoding(DecodingConfig.newBuilder()
                        .setTemperature(1.0)
                        .setTopP(0.9)
                        .setTopK(0)
                        .setMaxNewTokens(newTokens)
                        .setSeed(seed)
                        .setAdaptiveTemperature(false)
                        .setAdaptiveTemperatureThreshold(0.9)
                        .build())
                .setNumSamples(n)
                .setAlpha(0.05)
                .setBoundMode(BoundMode.SOUND)
                .setDrawGreedy(false)
                .setLogSampleTexts(true)
                .setCreatedAt(Instant.now())
                .setAttributes(Map.of())
                .build();
    }

    /**
     * Produces the requests and waits until all their samples are committed; returns seconds, tokens and each
     * request's texts by sample index.
     */
    /**
     * Where the worker's time went in the last {@link #run}: its chunks' wall time, and within it the backend's draws
     * (the rest is the worker's own: scoring, serialising, producing, committing), from the worker's own timers.
     */
    record Shares(int chunks, double chunkSeconds, double drawSeconds) {
        double ownPercent() {
            return 100 * (chunkSeconds - drawSeconds) / chunkSeconds;
        }
    }

    private Shares last;

    Shares lastShares() {
        return last;
    }

    private Timer timer(String name) {
        return worker.meterRegistry().get(name).timer();
    }

    ServeBenchmark.Result run(List<ServeBenchmark.Req> reqs, int n, int newTokens, long seed)
            throws InterruptedException {
        Timer chunkTimer = timer("probeval.worker.chunk.duration");
        long chunks0 = chunkTimer.count();
        double chunk0 = chunkTimer.totalTime(TimeUnit.SECONDS);
        double draw0 = timer("probeval.worker.generate.duration").totalTime(TimeUnit.SECONDS);
        long expected = chunks0 + (long) reqs.size() * ((n + chunkSize - 1) / chunkSize);
        Map<String, String[]> texts = new HashMap<>();
        Set<String> seen = new HashSet<>();
        long t0 = System.nanoTime();
        for (ServeBenchmark.Req r : reqs) {
            String id = r.id();
            texts.put(id, new String[n]);
            producer.send(
                    new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), id, request(id, r.prompt(), n, newTokens, seed)));
        }
        producer.flush();
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        // The clock stops when the worker's last chunk transaction has committed: its chunk timer is recorded right
        // after commitTransaction returns. Watching that in-process costs nothing; a read_committed consumer polling
        // meanwhile would either add its fetch wait (Kafka's default 500 ms: 50-150 ms late) or, polling every few ms,
        // take CPU from the draw it is timing. The consumer reads the samples afterwards, to check them. (Checked every
        // 5 ms: that much resolution, and few enough wake-ups not to disturb the draw either.)
        while (chunkTimer.count() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "worker path: timed out with " + (chunkTimer.count() - chunks0) + " chunks committed");
            }
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        last = new Shares(
                (int) (chunkTimer.count() - chunks0),
                chunkTimer.totalTime(TimeUnit.SECONDS) - chunk0,
                timer("probeval.worker.generate.duration").totalTime(TimeUnit.SECONDS) - draw0);
        long tokens = 0;
        while (seen.size() < reqs.size() * n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("worker path: committed samples not visible, " + seen.size() + " read");
            }
            for (var rec : consumer.poll(Duration.ofMillis(100))) {
                ScoredSample s = rec.value();
                if (s.getRecordType() != ScoredRecordType.SAMPLE) {
                    throw new IllegalStateException(
                            "worker rejected " + s.getRequestId() + ": " + s.getRejectionMessage());
                }
                String[] t = texts.get(s.getRequestId());
                if (t != null && seen.add(s.getSampleId())) {
                    t[s.getSampleIndex()] = s.getText();
                    tokens += s.getTokenCount();
                }
            }
        }
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
