package dev.probeval.deploy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import dev.probeval.testsupport.SharedDir;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An aggregator and a sampler worker (real stories260K model) on an in-JVM KRaft broker and the project's registry,
 * both serving Prometheus metrics over HTTP as in the compose file, after one evaluation request has flowed through,
 * so that the per-version meters exist. Scrapes are fetched over HTTP, like Prometheus does.
 */
final class LiveServices implements AutoCloseable {
    static final String MODEL = "stories-260k";

    private final EmbeddedKafka kafka;
    private final SchemaRegistryServer registry;
    private final Aggregator aggregator;
    private final SamplerWorker worker;
    private final HttpClient http = HttpClient.newHttpClient();

    private final String bootstrapServers;
    private final String registryUrl;

    /** On an in-JVM broker and the project's registry, both started here. */
    private LiveServices(Path stateDir) {
        this(stateDir, null, null);
    }

    /** On {@code bootstrapServers} and {@code registryUrl} when given (containers), else on in-JVM ones. */
    private LiveServices(Path stateDir, String bootstrapServers, String registryUrl) {
        Path checkpoint = SharedDir.file("models/stories260K/stories260K.bin").orElse(null);
        Path tokenizer = SharedDir.file("models/stories260K/tok512.bin").orElse(null);
        assumeTrue(
                checkpoint != null && Files.isRegularFile(checkpoint) && tokenizer != null, SharedDir.MISSING_MESSAGE);
        if (bootstrapServers == null) {
            kafka = EmbeddedKafka.builder().build();
            registry = SchemaRegistryServer.builder()
                    .setKafka(KafkaServiceConfig.builder()
                            .setBootstrapServers(kafka.bootstrapServers())
                            .build())
                    .port(0)
                    .start();
            this.bootstrapServers = kafka.bootstrapServers();
            this.registryUrl = registry.url();
        } else {
            kafka = null;
            registry = null;
            this.bootstrapServers = bootstrapServers;
            this.registryUrl = registryUrl;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers))) {
            TopicAdmin.ensureTopics(admin, 2, (short) 1);
        }
        aggregator = Aggregator.start(AggregatorConfig.builder()
                .setKafka(AggregatorConfig.kafkaBuilder()
                        .setBootstrapServers(this.bootstrapServers)
                        .optSchemaRegistryUrl(this.registryUrl)
                        .optPartitions(2)
                        .optKafkaConfig("commit.interval.ms", 100)
                        .optKafkaConfig("statestore.cache.max.bytes", 0)
                        .build())
                .optApplicationId("deploy-agg")
                .optStateDir(stateDir)
                .optHttpPort(0)
                .optEmitEverySamples(1)
                .optEmitIntervalMs(100)
                .optModelEmitIntervalMs(100)
                .build());
        worker = SamplerWorker.start(WorkerConfig.builder()
                .setKafka(WorkerConfig.kafkaBuilder()
                        .setBootstrapServers(this.bootstrapServers)
                        .optSchemaRegistryUrl(this.registryUrl)
                        .build())
                .setModels(ModelCatalog.of(List.of(new ModelSpec(MODEL, checkpoint, tokenizer))))
                .optWorkerId("deploy-test")
                .optChunkSize(2)
                .optPollTimeout(Duration.ofMillis(100))
                .optMetricsEndpoint("127.0.0.1", 0)
                .build());
    }

    /** As {@link #startWithTraffic(Path)}, on an existing Kafka cluster and registry (the containers' ones). */
    static LiveServices startWithTraffic(Path stateDir, String bootstrapServers, String registryUrl) throws Exception {
        return withTraffic(new LiveServices(stateDir, bootstrapServers, registryUrl));
    }

    /** Starts everything, sends one request of 4 samples and waits until both services' scrapes show it. */
    static LiveServices startWithTraffic(Path stateDir) throws Exception {
        return withTraffic(new LiveServices(stateDir));
    }

    private static LiveServices withTraffic(LiveServices s) throws Exception {
        try {
            s.aggregator.awaitRunning(Duration.ofSeconds(120));
            s.send(request("deploy-r1", 4));
            s.awaitScrape(s.aggregatorMetricsUrl(), t -> t.contains("probeval_aggregator_model_prompts_seen{"));
            s.awaitScrape(s.workerMetricsUrl(), t -> t.contains("probeval_worker_requests_completed_total 1.0"));
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private Map<String, Object> clientConfig() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    String aggregatorUrl() {
        return "http://127.0.0.1:" + aggregator.httpPort();
    }

    String aggregatorMetricsUrl() {
        return "http://127.0.0.1:" + aggregator.httpPort() + "/metrics";
    }

    String workerMetricsUrl() {
        return "http://127.0.0.1:" + worker.metricsPort() + "/metrics";
    }

    /** GET {@code url}: the body of a 200 answer. */
    String scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** Waits (up to 3 minutes, a bound against hanging, not a speed assertion) until the scrape satisfies {@code ok}. */
    private void awaitScrape(String url, Predicate<String> ok) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = scrape(url);
            if (ok.test(last)) {
                return;
            }
            if (worker.failure().isPresent()) {
                throw new IllegalStateException(
                        "worker failed", worker.failure().get());
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("scrape of " + url + " never showed the traffic; last scrape:\n" + last);
    }

    /** A record on the requests topic that is not Avro: both services dead-letter it. */
    void sendUndecodableRequest() {
        try (KafkaProducer<String, byte[]> p =
                new KafkaProducer<>(clientConfig(), new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(
                    Topics.EVAL_REQUESTS.name(),
                    "deploy-garbage",
                    "not an Avro record".getBytes(StandardCharsets.UTF_8)));
            p.flush();
        }
    }

    /** Waits until the aggregator's scrape contains {@code text}. */
    void awaitAggregatorScrape(String text) throws Exception {
        awaitScrape(aggregatorMetricsUrl(), t -> t.contains(text));
    }

    private void send(EvalRequest r) {
        Map<String, Object> serde = AvroSerdeConfig.forUrl(registryUrl);
        try (KafkaProducer<String, EvalRequest> p = new KafkaProducer<>(
                clientConfig(),
                new StringSerializer(),
                Topics.EVAL_REQUESTS.valueSerde(serde).serializer())) {
            p.send(new ProducerRecord<>(Topics.EVAL_REQUESTS.name(), r.getRequestId(), r));
            p.flush();
        }
    }

    private static EvalRequest request(String id, int n) {
        return EvalRequest.newBuilder()
                .setRequestId(id)
                .setModelVersion(MODEL)
                .setPromptId("p-" + id)
                .setSuite("tiny")
                .setSplit("forget")
                .setPrompt("Once upon a time")
                .setReferences(List.of("there was a little girl named Lily"))
                .setScorer(ScorerConfig.newBuilder()
                        .setMetric("rougeL_recall")
                        .setLeakThreshold(0.5)
                        .setStripPrefixes(List.of())
                        .build())
                .setDecoding(DecodingConfig.newBuilder()
                        .setTemperature(1.0)
                        .setTopP(1.0)
                        .setTopK(0)
                        .setMaxNewTokens(8)
                        .setSeed(7)
                        .setAdaptiveTemperature(false)
                        .setAdaptiveTemperatureThreshold(0.9)
                        .build())
                .setNumSamples(n)
                .setAlpha(0.05)
                .setBoundMode(BoundMode.CONBO)
                .setDrawGreedy(true)
                .setLogSampleTexts(false)
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setAttributes(Map.of())
                .build();
    }

    /**
     * The metric names of a Prometheus text scrape: every sample's name ({@code foo_total}, {@code foo_count},
     * {@code foo_bucket}, ...) and every {@code # TYPE} family name.
     */
    static Set<String> metricNames(String scrape) {
        Set<String> names = new HashSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length()
                        && (Character.isLetterOrDigit(line.charAt(end))
                                || line.charAt(end) == '_'
                                || line.charAt(end) == ':')) {
                    end++;
                }
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {worker, aggregator, registry, kafka}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }
}
