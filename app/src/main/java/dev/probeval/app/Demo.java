package dev.probeval.app;

import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.lab.DataSplit;
import dev.probeval.lab.Lab;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.Method;
import dev.probeval.lab.ModelStore;
import dev.probeval.lab.OfflineEvaluator;
import dev.probeval.lab.QaPair;
import dev.probeval.producer.EvalRequestPublisher;
import dev.probeval.producer.PromptLine;
import dev.probeval.producer.RequestTemplate;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The demo's engine: lab versions (trained when missing), an embedded broker, registry, aggregator and sampler worker
 * in this JVM, the forget and retain requests of every version sent through the producer library, progress read
 * from the prompt-bounds topic and the scored samples from the samples topic. Request ids, prompts, decoding and seed
 * are {@link OfflineEvaluator}'s, so every number equals {@code probeval evaluate-offline} on the same versions.
 */
final class Demo implements AutoCloseable {
    /** What to run. */
    record Settings(
            LabConfig lab,
            Path labCache,
            List<String> versions,
            int prompts,
            int n,
            int maxNewTokens,
            double topP,
            double alpha,
            double tau,
            int httpPort,
            Path brokerDir,
            boolean sampleTexts,
            dev.probeval.model.backend.Engine engine) {}

    /** One request of the demo and what is known of it. */
    record Entry(String version, String split, QaPair pair, EvalRequest request) {}

    static final String SUITE = "tofu-mini";

    private final Settings s;
    private final PrintWriter log;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<String, PromptBounds> bounds = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, ScoredSample>> samples = new ConcurrentHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private volatile boolean stopping;
    private Thread reader;
    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private Aggregator aggregator;
    private KafkaServiceConfig services;
    private Path tmp;

    Demo(Settings s, PrintWriter log) {
        this.s = s;
        this.log = log;
    }

    List<Entry> entries() {
        return entries;
    }

    Map<String, PromptBounds> bounds() {
        return bounds;
    }

    Map<String, Map<Integer, ScoredSample>> samples() {
        return samples;
    }

    String dashboardUrl() {
        return "http://127.0.0.1:" + aggregator.httpPort() + "/";
    }

    Aggregator aggregator() {
        return aggregator;
    }

    /** The default versions of a lab config: base, retain-only, and each method's last checkpoint with and without entropy. */
    static List<String> defaultVersions(LabConfig cfg) {
        List<String> v = new ArrayList<>(List.of(Lab.BASE, Lab.RETAIN_ONLY));
        for (String m : cfg.unlearn().methods()) {
            for (boolean e : new boolean[] {false, true}) {
                v.add(Method.parse(m).version(e, cfg.unlearn().steps()));
            }
        }
        return v;
    }

    /** Trains what is missing of {@code split}'s lab (reusing the cache) and returns the split. */
    DataSplit ensureLab(DataSplit split) throws IOException {
        ModelStore store = new ModelStore(s.labCache());
        boolean missing = s.versions().stream().anyMatch(v -> !store.exists(v));
        if (missing) {
            log.println("demo: training the lab's model versions into " + store.root() + " (first run only)");
            log.flush();
            Lab lab = new Lab(s.lab(), split, store, log);
            lab.trainBaseModels(false);
            for (String v : s.versions()) {
                if (!store.exists(v)) {
                    for (String m : s.lab().unlearn().methods()) {
                        Method method = Method.parse(m);
                        for (boolean e : new boolean[] {false, true}) {
                            if (v.startsWith(method.version(e, 0).replace("-s0", "") + "-s")) {
                                lab.unlearn(method, e, false);
                            }
                        }
                    }
                }
            }
            for (String v : s.versions()) {
                if (!store.exists(v)) {
                    throw new UsageException("model version " + v + " is not in " + store.root()
                            + " and the lab config does not produce it");
                }
            }
        }
        return split;
    }

    /** Starts broker, registry, aggregator and worker, and the topic reader. */
    void start() throws IOException {
        tmp = Files.createTempDirectory("probeval-demo-");
        EmbeddedKafka.Builder kb = EmbeddedKafka.builder();
        kb.dataDir(s.brokerDir() != null ? s.brokerDir() : tmp.resolve("kafka"));
        kafka = kb.build();
        closeables.add(kafka);
        registry = SchemaRegistryServer.builder()
                .setKafka(KafkaServiceConfig.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .build())
                .port(0)
                .start();
        closeables.add(registry);
        try (Admin admin = kafka.admin()) {
            TopicAdmin.ensureTopics(admin, 2, (short) 1);
        }
        // One cluster, registry and topic layout for the aggregator and the worker in this process.
        services = KafkaServiceConfig.builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .optSchemaRegistryUrl(registry.url())
                .optPartitions(2)
                .build();
        aggregator = Aggregator.start(AggregatorConfig.builder()
                .setKafka(services.toBuilder()
                        .optKafkaConfig("commit.interval.ms", 200)
                        .build())
                .optApplicationId("probeval-demo-" + UUID.randomUUID())
                .optStateDir(tmp.resolve("agg"))
                .optHttpPort(s.httpPort())
                .optEmitEverySamples(0)
                .optEmitIntervalMs(300)
                .optModelEmitIntervalMs(500)
                .optStreamThreads(1)
                .build());
        closeables.add(aggregator);
        ModelStore store = new ModelStore(s.labCache());
        List<ModelSpec> specs = new ArrayList<>();
        for (String v : s.versions()) {
            specs.add(new ModelSpec(v, store.dir(v), null));
        }
        SamplerWorker worker = SamplerWorker.start(WorkerConfig.builder()
                .setKafka(services)
                .setModels(ModelCatalog.of(specs))
                .optWorkerId("demo-worker")
                .optBackendFactory(dev.probeval.worker.BackendFactory.standard(s.engine()))
                .optPollTimeout(Duration.ofMillis(100))
                .optRetryBackoff(Duration.ofMillis(200))
                .build());
        closeables.add(worker);
        aggregator.awaitRunning(Duration.ofSeconds(120));
        reader = new Thread(this::read, "probeval-demo-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Builds and publishes the forget and retain requests of every version (plain decoding, the lab's ids). */
    List<String> submit(DataSplit split) {
        RequestTemplate forget = template("forget", limit(split.forget().size()));
        RequestTemplate retain = template("retain", limit(split.retain().size()));
        Instant now = Instant.now();
        for (String v : s.versions()) {
            for (String sp : List.of("forget", "retain")) {
                List<QaPair> pairs = sp.equals("forget") ? split.forget() : split.retain();
                if (s.prompts() > 0 && pairs.size() > s.prompts()) {
                    pairs = pairs.subList(0, s.prompts());
                }
                for (QaPair p : pairs) {
                    PromptLine line = PromptLine.of(Integer.toString(p.idx()), p.prompt(), List.of(p.answer()))
                            .withRequestId(OfflineEvaluator.requestId(v, sp, p.idx(), false));
                    entries.add(new Entry(v, sp, p, (sp.equals("forget") ? forget : retain).request(v, line, now)));
                }
            }
        }
        try (EvalRequestPublisher pub = EvalRequestPublisher.connect(services)) {
            return pub.publish(entries.stream().map(Entry::request).toList());
        }
    }

    private int limit(int size) {
        return s.prompts() > 0 ? Math.min(size, s.prompts()) : size;
    }

    private RequestTemplate template(String split, int suiteSize) {
        return RequestTemplate.builder()
                .suite(SUITE)
                .split(split)
                .numSamples(s.n())
                .alpha(s.alpha())
                .boundMode(BoundMode.SOUND)
                .temperature(1.0)
                .topP(s.topP())
                .topK(0)
                .maxNewTokens(s.maxNewTokens())
                .seed(0)
                .metric("rougeL_recall")
                .leakThreshold(s.tau())
                .drawGreedy(true)
                .logSampleTexts(s.sampleTexts())
                .suiteSize(suiteSize)
                .build();
    }

    private void read() {
        Map<String, Object> c = new HashMap<>(services.clientProperties());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "probeval-demo-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, ?> serde = services.serdeConfig();
        try (KafkaConsumer<String, PromptBounds> pb = new KafkaConsumer<>(
                        c,
                        new StringDeserializer(),
                        Topics.PROMPT_BOUNDS.valueSerde(serde).deserializer());
                KafkaConsumer<String, ScoredSample> sc = new KafkaConsumer<>(
                        c,
                        new StringDeserializer(),
                        Topics.SAMPLES.valueSerde(serde).deserializer())) {
            pb.subscribe(List.of(Topics.PROMPT_BOUNDS.name()));
            sc.subscribe(List.of(Topics.SAMPLES.name()));
            while (!stopping) {
                for (ConsumerRecord<String, PromptBounds> r : pb.poll(Duration.ofMillis(100))) {
                    if (r.value() != null) {
                        bounds.merge(r.value().getRequestId(), r.value(), (a, b) -> b.getN() >= a.getN() ? b : a);
                    }
                }
                for (ConsumerRecord<String, ScoredSample> r : sc.poll(Duration.ofMillis(100))) {
                    if (r.value() != null) {
                        samples.computeIfAbsent(r.value().getRequestId(), k -> new ConcurrentHashMap<>())
                                .putIfAbsent(r.value().getSampleIndex(), r.value());
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        }
    }

    /** Samples done for a version (greedy not counted) and its total. */
    long[] progress(String version) {
        long done = 0;
        long total = 0;
        for (Entry e : entries) {
            if (e.version().equals(version)) {
                total += e.request().getNumSamples();
                PromptBounds b = bounds.get(e.request().getRequestId());
                done += b == null ? 0 : b.getN();
            }
        }
        return new long[] {done, total};
    }

    /** Whether every request is FINAL on the topic and all its samples were read. */
    boolean allFinal() {
        for (Entry e : entries) {
            String id = e.request().getRequestId();
            PromptBounds b = bounds.get(id);
            Map<Integer, ScoredSample> got = samples.get(id);
            if (b == null
                    || b.getStatus() != BoundsStatus.FINAL
                    || got == null
                    || got.size() < e.request().getNumSamples() + 1) {
                return false;
            }
        }
        return true;
    }

    /** Per version and split: the summary numbers (greedy vs. probabilistic), from the final prompt bounds. */
    Map<String, Map<String, Object>> summary() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (String v : s.versions()) {
            for (String sp : List.of("forget", "retain")) {
                List<PromptBounds> bs = new ArrayList<>();
                for (Entry e : entries) {
                    if (e.version().equals(v) && e.split().equals(sp)) {
                        bs.add(bounds.get(e.request().getRequestId()));
                    }
                }
                if (bs.isEmpty() || bs.contains(null)) {
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("prompts", bs.size());
                m.put(
                        "greedy_rougeL_recall_mean",
                        bs.stream()
                                .mapToDouble(b -> b.getGreedyScore())
                                .average()
                                .orElse(0));
                m.put(
                        "sampled_rougeL_recall_mean",
                        bs.stream().mapToDouble(PromptBounds::getMean).average().orElse(0));
                m.put(
                        "sampled_rougeL_recall_max_mean",
                        bs.stream()
                                .mapToDouble(b -> b.getMaxSampledScore())
                                .average()
                                .orElse(0));
                m.put(
                        "m_mu_mean",
                        bs.stream().mapToDouble(PromptBounds::getMMu).average().orElse(0));
                m.put(
                        "m_sigma_mean",
                        bs.stream()
                                .mapToDouble(PromptBounds::getMSigma)
                                .average()
                                .orElse(0));
                m.put(
                        "m_bin_mean",
                        bs.stream().mapToDouble(PromptBounds::getMBin).average().orElse(0));
                m.put(
                        "m_gen_mean",
                        bs.stream().mapToDouble(PromptBounds::getMGen).average().orElse(0));
                m.put("hidden_leak_prompts", (int)
                        bs.stream().filter(PromptBounds::getHiddenLeak).count());
                m.put("n", s.n());
                m.put("alpha", s.alpha());
                m.put("tau", s.tau());
                out.put(v + "/" + sp, m);
            }
        }
        return out;
    }

    /**
     * Requests whose final bounds from the aggregator's REST API ({@code /api/v1/requests/ID}) differ from the
     * prompt-bounds topic's (n, status, mean, M_mu, M_bin, greedy score); empty when REST and topic agree.
     */
    List<String> restDisagreements() throws InterruptedException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        List<String> bad = new ArrayList<>();
        for (Entry e : entries) {
            String id = e.request().getRequestId();
            PromptBounds b = bounds.get(id);
            try {
                java.net.http.HttpResponse<String> r = http.send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                                        + aggregator.httpPort() + "/api/v1/requests/"
                                        + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8)
                                                .replace("+", "%20")))
                                .GET()
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                com.fasterxml.jackson.databind.JsonNode j = json.readTree(r.body());
                if (r.statusCode() != 200
                        || j.get("n").asInt() != b.getN()
                        || !j.get("status").asText().equals(b.getStatus().toString())
                        || j.get("mean").asDouble() != b.getMean()
                        || j.get("mMu").asDouble() != b.getMMu()
                        || j.get("mBin").asDouble() != b.getMBin()
                        || j.get("greedyScore").asDouble() != b.getGreedyScore()) {
                    bad.add(id + " (HTTP " + r.statusCode() + ")");
                }
            } catch (IOException | RuntimeException ex) {
                bad.add(id + " (" + ex + ")");
            }
        }
        return bad;
    }

    /** The greedy sample of a request (index -1), if read. */
    static boolean isGreedy(ScoredSample x) {
        return x.getKind() == SampleKind.GREEDY || x.getSampleIndex() < 0;
    }

    Settings settings() {
        return s;
    }

    @Override
    public void close() {
        stopping = true;
        if (reader != null) {
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.println("demo: while stopping: " + e);
            }
        }
        closeables.clear();
        if (tmp != null) {
            try (var walk = Files.walk(tmp)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is harmless
            }
        }
        log.flush();
    }
}
