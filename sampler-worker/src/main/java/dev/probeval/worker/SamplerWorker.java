package dev.probeval.worker;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.serde.AvroClassSecurity;
import dev.probeval.serde.AvroDeserializationException;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.serde.SpecificAvroSerde;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sampler worker: a consumer-group member that turns each {@link EvalRequest} into scored samples, exactly once.
 *
 * <p>Read-process-write in chunks. A request of n samples is split by {@link ChunkPlan}; for each chunk the worker
 * draws the samples (the greedy baseline rides in the first chunk), scores them, and in one Kafka transaction
 * produces their {@link ScoredSample}s and commits the request's consumer offset ({@code sendOffsetsToTransaction}
 * with the group's metadata, so a worker that lost the partition in a rebalance is fenced). While the request is
 * unfinished the committed offset stays on the request with {@link Progress} metadata naming the next sample index;
 * the last chunk commits the offset after it. A worker that crashes, is stopped, or loses the partition leaves
 * exactly the committed chunks behind, and whoever reads the partition next resumes after them. Sample ids and seeds
 * are functions of (request id, index), so a re-drawn sample is identical and the aggregator counts it once.
 *
 * <p>Polling between chunks keeps the member alive however long a request is: partitions are paused while work is
 * queued, so {@code poll} returns at once and only proves liveness. Bad requests become dead letters in the same kind
 * of transaction (dead letter + offset), so nothing is lost and nothing stops the worker.
 */
public final class SamplerWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SamplerWorker.class);
  /** Offset-commit metadata must fit the broker's offset.metadata.max.bytes (default 4096). */
  private static final int MAX_PROGRESS_METADATA = 3000;

  private final WorkerConfig config;
  private final ChunkListener listener;
  private final String requestsTopic = Topics.EVAL_REQUESTS.name();
  private final ModelCache models;
  private final RequestValidator validator;
  private final MeterRegistry meterRegistry;
  private final WorkerMetrics metrics;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final SchemaRegistryClient registryClient;
  private final Deserializer<EvalRequest> requestDeserializer;
  private final Serializer<ScoredSample> sampleSerializer;
  private final Serializer<DeadLetter> deadLetterSerializer;
  private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
  private final MetricsServer metricsServer;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private final Deque<ConsumerRecord<byte[], byte[]>> queue = new ArrayDeque<>();
  private final Map<TopicPartition, Progress> progress = new HashMap<>();
  private InFlight current;
  private boolean inTransaction;
  private volatile boolean stopping;
  private volatile boolean running;
  private volatile Throwable failure;

  /** A request being drawn: its record, what validation derived from it, and the chunks still to do. */
  private static final class InFlight {
    final ConsumerRecord<byte[], byte[]> record;
    final TopicPartition tp;
    final ValidatedRequest request;
    final List<Chunk> chunks;
    int next;

    InFlight(ConsumerRecord<byte[], byte[]> record, ValidatedRequest request, List<Chunk> chunks) {
      this.record = record;
      this.tp = new TopicPartition(record.topic(), record.partition());
      this.request = request;
      this.chunks = chunks;
    }
  }

  private SamplerWorker(WorkerConfig config, MeterRegistry meterRegistry, ChunkListener listener) {
    this.config = config;
    this.listener = listener;
    AvroClassSecurity.trustProbevalClasses();
    this.meterRegistry = meterRegistry != null ? meterRegistry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.metrics = new WorkerMetrics(this.meterRegistry);
    this.models = new ModelCache(config.catalog(), config.backendFactory());
    this.validator = new RequestValidator(config.catalog(), config.maxNewTokensLimit(), config.maxSamplesLimit());
    if (config.createTopicsPartitions() > 0) {
      Map<String, Object> adminProps = new HashMap<>(config.kafkaConfig());
      adminProps.putAll(config.consumerConfig());
      adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
      try (Admin admin = Admin.create(adminProps)) {
        TopicAdmin.ensureTopics(admin, config.createTopicsPartitions(), config.replicationFactor());
      }
    }
    this.registryClient = AvroSerdeConfig.from(config.serdeConfig()).createClient();
    this.requestDeserializer =
        SpecificAvroSerde.configured(EvalRequest.class, registryClient, config.serdeConfig()).deserializer();
    this.sampleSerializer = Topics.SAMPLES.valueSerde(registryClient, config.serdeConfig()).serializer();
    this.deadLetterSerializer = Topics.DEAD_LETTERS.valueSerde(registryClient, config.serdeConfig()).serializer();
    this.consumer = new KafkaConsumer<>(consumerProps(config), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    try {
      this.producer = new KafkaProducer<>(producerProps(config), new StringSerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    clientMetrics.add(new KafkaClientMetrics(consumer));
    clientMetrics.add(new KafkaClientMetrics(producer));
    clientMetrics.forEach(m -> m.bindTo(this.meterRegistry));
    MetricsServer server = null;
    if (config.metricsPort() >= 0) {
      if (!(this.meterRegistry instanceof PrometheusMeterRegistry prometheus)) {
        throw new IllegalArgumentException("a metrics endpoint needs a PrometheusMeterRegistry");
      }
      server = new MetricsServer(config.metricsHost(), config.metricsPort(), prometheus);
    }
    this.metricsServer = server;
    this.thread = new Thread(this::runLoop, "probeval-worker-" + config.workerId());
  }

  /** Starts a worker on its own thread, with a Prometheus registry of its own. */
  public static SamplerWorker start(WorkerConfig config) {
    return start(config, null, ChunkListener.NONE);
  }

  /** Starts a worker whose meters go to {@code meterRegistry}. */
  public static SamplerWorker start(WorkerConfig config, MeterRegistry meterRegistry) {
    return start(config, meterRegistry, ChunkListener.NONE);
  }

  static SamplerWorker start(WorkerConfig config, MeterRegistry meterRegistry, ChunkListener listener) {
    SamplerWorker w = new SamplerWorker(config, meterRegistry, listener);
    w.running = true;
    w.thread.start();
    return w;
  }

  static Map<String, Object> consumerProps(WorkerConfig config) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.putAll(config.kafkaConfig());
    p.putAll(config.consumerConfig());
    // What exactly-once needs is not up to overrides.
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "probeval-worker-" + config.workerId() + "-consumer");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return p;
  }

  static Map<String, Object> producerProps(WorkerConfig config) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.putAll(config.kafkaConfig());
    p.putAll(config.producerConfig());
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "probeval-worker-" + config.workerId() + "-producer");
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, config.transactionTimeoutMs());
    return p;
  }

  public WorkerConfig config() {
    return config;
  }

  public WorkerMetrics metrics() {
    return metrics;
  }

  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** Port of the Prometheus endpoint, or -1 when there is none. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** True until the worker stopped (closed, or failed: see {@link #failure()}). */
  public boolean isRunning() {
    return running;
  }

  /** The error that stopped the worker, if one did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Completes normally after {@link #close()}, exceptionally with the error when the worker's loop dies for good. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Waits until the worker's thread has stopped; true if it did within the timeout. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The loop (worker thread only)

  private void runLoop() {
    boolean crashed = false;
    try {
      if (config.preloadModels()) {
        for (String version : config.catalog().versions()) {
          models.backend(version);
        }
      }
      producer.initTransactions();
      consumer.subscribe(List.of(requestsTopic), new Rebalance());
      LOG.info("Sampler worker {} started: group {}, models {}", config.workerId(), config.groupId(),
          config.catalog().versions());
      while (!stopping) {
        try {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(busy() ? Duration.ZERO : config.pollTimeout());
          records.forEach(queue::add);
          if (busy()) {
            consumer.pause(consumer.assignment());
          } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
          }
          if (busy()) {
            step();
          }
        } catch (WakeupException e) {
          if (stopping) {
            break;
          }
          throw e;
        } catch (KafkaException e) {
          if (isFatal(e)) {
            throw e;
          }
          recover(e);
        }
      }
    } catch (Throwable t) {
      crashed = true;
      failure = t;
      LOG.error("Sampler worker {} stopped on an error: {}", config.workerId(), t.toString(), t);
    } finally {
      shutdown(crashed);
    }
  }

  private boolean busy() {
    return current != null || !queue.isEmpty();
  }

  /** One unit of work: the next chunk of the request in flight, or the start of the next queued record. */
  private void step() {
    if (current == null) {
      ConsumerRecord<byte[], byte[]> rec = queue.poll();
      if (rec == null) {
        return;
      }
      // Starting a request (which may open its model) is a step of its own: the consumer polls before the first
      // chunk, so loading a large model does not add to the first chunk's time between polls.
      current = begin(rec);
      return;
    }
    processChunk(current);
  }

  /** Deserializes and validates a request; dead-letters or skips it (returning null), or returns it in flight. */
  private InFlight begin(ConsumerRecord<byte[], byte[]> rec) {
    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
    if (rec.value() == null) {
      // A tombstone deletes a request from the compacted requests table: nothing to draw.
      commitOffsetOnly(tp, rec.offset() + 1);
      return null;
    }
    String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
    EvalRequest request;
    try {
      request = requestDeserializer.deserialize(rec.topic(), rec.headers(), rec.value());
    } catch (AvroDeserializationException e) {
      if (!e.reason().isPoison()) {
        throw e; // the registry is down: retry, the record is fine
      }
      deadLetter(rec, RejectReason.UNDESERIALIZABLE.errorClass(), e.getMessage());
      return null;
    }
    ValidatedRequest vr;
    try {
      vr = validator.validate(key, request);
    } catch (RejectedRequestException e) {
      deadLetter(rec, e.reason().errorClass(), e.getMessage());
      return null;
    }
    try {
      models.backend(vr.model().version());
    } catch (IOException | RuntimeException e) {
      deadLetter(rec, RejectReason.MODEL_UNAVAILABLE.errorClass(), "model version '" + vr.model().version()
          + "' (" + vr.model() + ") cannot be opened: " + e.getMessage());
      return null;
    }
    Progress p = progress.get(tp);
    int resumeFrom = p == null ? 0 : p.resumeIndex(rec.offset(), vr.requestId(), vr.numSamples());
    List<Chunk> chunks = ChunkPlan.plan(vr.numSamples(), config.chunkSize(), vr.drawGreedy(), resumeFrom);
    if (resumeFrom > 0) {
      LOG.info("Resuming request {} at sample {} of {} (committed progress at offset {} of {})", vr.requestId(),
          resumeFrom, vr.numSamples(), rec.offset(), tp);
    }
    metrics.requestStarted(resumeFrom > 0);
    return new InFlight(rec, vr, chunks);
  }

  private void processChunk(InFlight f) {
    Chunk chunk = f.chunks.get(f.next);
    ValidatedRequest vr = f.request;
    long t0 = System.nanoTime();
    List<ScoredSample> samples;
    try {
      samples = drawAndScore(vr, chunk);
    } catch (RejectedRequestException e) {
      LOG.warn("Request {} failed at chunk {} (samples {}..{}): {}", vr.requestId(), chunk.ordinal(),
          chunk.firstIndex(), chunk.endIndex() - 1, e.getMessage());
      deadLetter(f.record, e.reason().errorClass(), e.getMessage() + (chunk.firstIndex() > 0
          ? " (samples before index " + chunk.firstIndex() + " were produced)" : ""));
      endCurrent(false);
      return;
    }
    String requestId = vr.requestId();
    beginTransaction();
    long tokenCount = 0;
    int greedy = 0;
    for (ScoredSample s : samples) {
      producer.send(new ProducerRecord<>(Topics.SAMPLES.name(), requestId,
          sampleSerializer.serialize(Topics.SAMPLES.name(), s)));
      tokenCount += s.getTokenCount();
      greedy += s.getSampleIndex() < 0 ? 1 : 0;
    }
    listener.beforeCommit(requestId, chunk);
    OffsetAndMetadata offset;
    if (chunk.last()) {
      offset = new OffsetAndMetadata(f.record.offset() + 1);
    } else {
      String meta = new Progress(f.record.offset(), chunk.endIndex(), requestId).encode();
      // A request id too long for the metadata limit: commit no progress; a restart re-draws the request.
      offset = new OffsetAndMetadata(f.record.offset(), meta.length() <= MAX_PROGRESS_METADATA ? meta : "");
    }
    producer.sendOffsetsToTransaction(Map.of(f.tp, offset), consumer.groupMetadata());
    producer.commitTransaction();
    inTransaction = false;
    metrics.chunkCommitted(samples.size() - greedy, greedy, tokenCount, Duration.ofNanos(System.nanoTime() - t0));
    if (chunk.last()) {
      progress.remove(f.tp);
    } else {
      progress.put(f.tp, new Progress(f.record.offset(), chunk.endIndex(), requestId));
    }
    listener.afterCommit(requestId, chunk);
    f.next++;
    if (chunk.last()) {
      LOG.debug("Request {} complete: {} samples{}", requestId, vr.numSamples(),
          vr.drawGreedy() ? " + greedy" : "");
      endCurrent(true);
    }
  }

  private List<ScoredSample> drawAndScore(ValidatedRequest vr, Chunk chunk) throws RejectedRequestException {
    SamplingBackend backend;
    try {
      backend = models.backend(vr.model().version());
    } catch (IOException | RuntimeException e) {
      throw new RejectedRequestException(RejectReason.MODEL_UNAVAILABLE, "model version '" + vr.model().version()
          + "' (" + vr.model() + ") cannot be opened: " + e.getMessage(), e);
    }
    List<GeneratedSample> generated;
    try {
      generated = backend.generate(new GenerationRequest(vr.requestId(), vr.request().getPrompt(),
          chunk.firstIndex(), chunk.count(), vr.decoding(), vr.baseSeed(), chunk.includeGreedy()));
    } catch (RuntimeException e) {
      throw new RejectedRequestException(RejectReason.GENERATION_FAILED, "generating samples "
          + chunk.firstIndex() + ".." + (chunk.endIndex() - 1) + " of request " + vr.requestId() + " with "
          + backend.describe() + " failed: " + e, e);
    }
    if (generated.size() != chunk.size()) {
      throw new RejectedRequestException(RejectReason.GENERATION_FAILED, "backend " + backend.describe()
          + " returned " + generated.size() + " samples for a chunk of " + chunk.size());
    }
    Instant now = Instant.now();
    List<ScoredSample> out = new ArrayList<>(generated.size());
    for (GeneratedSample g : generated) {
      try {
        out.add(SampleRecords.scored(vr, g, config.workerId(), now));
      } catch (RuntimeException e) {
        throw new RejectedRequestException(RejectReason.SCORING_FAILED, "scoring sample " + g.index()
            + " of request " + vr.requestId() + " with " + vr.request().getScorer().getMetric() + " failed: "
            + e.getMessage(), e);
      }
    }
    return out;
  }

  private void beginTransaction() {
    producer.beginTransaction();
    inTransaction = true;
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> rec, String errorClass, String reason) {
    LOG.warn("Dead-lettering {}/{}/{}: {} {}", rec.topic(), rec.partition(), rec.offset(), errorClass, reason);
    DeadLetter dl = SampleRecords.deadLetter(rec.topic(), rec.partition(), rec.offset(), rec.key(), rec.value(),
        errorClass, reason, Instant.now());
    byte[] value = deadLetterSerializer.serialize(Topics.DEAD_LETTERS.name(), dl);
    beginTransaction();
    producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(),
        Topics.deadLetterKey(rec.topic(), rec.partition(), rec.offset()), value));
    producer.sendOffsetsToTransaction(
        Map.of(new TopicPartition(rec.topic(), rec.partition()), new OffsetAndMetadata(rec.offset() + 1)),
        consumer.groupMetadata());
    producer.commitTransaction();
    inTransaction = false;
    metrics.countError(errorClass);
  }

  private void commitOffsetOnly(TopicPartition tp, long offset) {
    beginTransaction();
    producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(offset)), consumer.groupMetadata());
    producer.commitTransaction();
    inTransaction = false;
  }

  private void endCurrent(boolean completed) {
    if (current != null) {
      current = null;
      metrics.requestEnded(completed);
    }
  }

  /**
   * A transaction failed with a retriable or abortable error (a rebalance fenced our group generation, a broker
   * went away, the registry is down): abort it, forget everything read but not committed, and read again from the
   * committed offsets and progress.
   */
  private void recover(KafkaException e) {
    metrics.countError(WorkerMetrics.KAFKA_ERROR);
    LOG.warn("Sampler worker {}: {}; aborting and re-reading from the committed offsets", config.workerId(),
        e.toString());
    if (inTransaction) {
      producer.abortTransaction(); // throws if the producer is unusable: then the worker stops
      inTransaction = false;
    }
    queue.clear();
    endCurrent(false);
    progress.clear();
    Collection<TopicPartition> assigned = consumer.assignment();
    if (!assigned.isEmpty()) {
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(assigned));
      List<TopicPartition> fromStart = new ArrayList<>();
      for (TopicPartition tp : assigned) {
        OffsetAndMetadata om = committed.get(tp);
        if (om == null) {
          fromStart.add(tp);
        } else {
          consumer.seek(tp, om);
          Progress.decode(om.metadata()).ifPresent(p -> progress.put(tp, p));
        }
      }
      if (!fromStart.isEmpty()) {
        consumer.seekToBeginning(fromStart);
      }
    }
    sleepQuietly(config.retryBackoff());
  }

  private static boolean isFatal(KafkaException e) {
    return e instanceof ProducerFencedException || e instanceof FencedInstanceIdException
        || e instanceof OutOfOrderSequenceException || e instanceof AuthorizationException
        || e instanceof AuthenticationException || e instanceof UnsupportedVersionException;
  }

  private void sleepQuietly(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    while (!stopping && System.nanoTime() < until) {
      try {
        Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Keeps the queue, the request in flight and the progress map in step with the partitions this member owns. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata om = committed.get(tp);
        Optional<Progress> p = om == null ? Optional.empty() : Progress.decode(om.metadata());
        p.ifPresentOrElse(v -> progress.put(tp, v), () -> progress.remove(tp));
      }
    }

    private void drop(Collection<TopicPartition> partitions) {
      queue.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
      if (current != null && partitions.contains(current.tp)) {
        // Chunks commit before every poll, so nothing is open: the next owner resumes from the committed progress.
        LOG.info("Request {} handed over at chunk {} of {} (partition {} revoked)", current.request.requestId(),
            current.next, current.chunks.size(), current.tp);
        endCurrent(false);
      }
      partitions.forEach(progress::remove);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shutdown

  private void shutdown(boolean crashed) {
    try {
      if (crashed) {
        // Like a killed process: no abort, no commit. The open transaction (if any) is aborted when a worker with
        // the same id starts, or by the broker after transaction.timeout.ms.
        closeQuietly(() -> producer.close(Duration.ZERO));
        closeQuietly(() -> consumer.close(Duration.ZERO));
      } else {
        if (inTransaction) {
          closeQuietly(producer::abortTransaction);
        }
        closeQuietly(producer::close);
        closeQuietly(consumer::close);
      }
      clientMetrics.forEach(m -> closeQuietly(m::close));
      closeQuietly(models::close);
      closeQuietly(registryClient::close);
      if (metricsServer != null) {
        closeQuietly(metricsServer::close);
      }
    } finally {
      running = false;
      stopped.countDown();
      if (crashed) {
        terminated.completeExceptionally(failure);
      } else {
        terminated.complete(null);
      }
      LOG.info("Sampler worker {} stopped", config.workerId());
    }
  }

  private static void closeQuietly(ThrowingRunnable r) {
    try {
      r.run();
    } catch (Exception e) {
      LOG.debug("ignored on close: {}", e.toString());
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * Stops the worker after the chunk it is drawing (whose transaction then commits) and closes everything. A request
   * in flight resumes after that chunk when the partition is read again.
   */
  @Override
  public void close() {
    stopping = true;
    if (Thread.currentThread() != thread) {
      consumer.wakeup();
      try {
        if (!stopped.await(5, TimeUnit.MINUTES)) {
          LOG.warn("Sampler worker {} did not stop within 5 minutes", config.workerId());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
