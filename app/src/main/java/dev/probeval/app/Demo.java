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
    /** The versions evaluated: those of the settings unless {@link #evaluate} chose others after training. */
    private List<String> evaluated;

    Demo(Settings s, PrintWriter log) {
        this.evaluated = List.copyOf(s.versions());
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

    /**
     * The versions a lab config produces that the demo needs trained: base, retain-only, and each unlearning run's
     * last checkpoint (training a run saves all its checkpoints).
     */
    static List<String> defaultVersions(LabConfig cfg) {
        List<String> v = new ArrayList<>(List.of(Lab.BASE, Lab.RETAIN_ONLY));
        for (String m : cfg.unlearn().methods()) {
            for (boolean e : new boolean[] {false, true}) {
                v.add(Method.parse(m).version(e, cfg.unlearn().steps()));
            }
        }
        return v;
    }

    /**
     * The versions the demo evaluates: base, retain-only, and for each unlearning run (method, with and without the
     * entropy term) its first checkpoint where greedy decoding says the forget set is forgotten — the mean greedy
     * ROUGE-L recall on the forget split, recorded in the lab's manifest, below {@code tau} — or its last checkpoint
     * when greedy never says so. That is where the paper's question is sharpest: greedy has just declared success,
     * and sampling shows whether the answers are still there.
     */
    static List<String> firstForgottenVersions(LabConfig cfg, ModelStore store, double tau) throws IOException {
        List<String> out = new ArrayList<>(List.of(Lab.BASE, Lab.RETAIN_ONLY));
        List<String> present = store.versions();
        for (String m : cfg.unlearn().methods()) {
            for (boolean e : new boolean[] {false, true}) {
                String prefix = Method.parse(m).version(e, 0).replaceFirst("0$", "");
                List<String> run = new ArrayList<>();
                for (String v : present) {
                    if (v.startsWith(prefix) && v.substring(prefix.length()).matches("[0-9]{1,9}")) {
                        run.add(v);
                    }
                }
                run.sort(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.substring(prefix.length()))));
                String chosen = null;
                for (String v : run) {
                    Object g = store.labManifest(v).get("greedyForget");
                    if (g instanceof Number x && x.doubleValue() < tau) {
                        chosen = v;
                        break;
                    }
                }
                if (chosen == null && !run.isEmpty()) {
                    chosen = run.get(run.size() - 1);
                }
                if (chosen != null) {
                    out.add(chosen);
                }
            }
        }
        return out;
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

    /** Evaluates {@code versions} (all in the lab's store) instead of the settings' versions; call before start. */
    void evaluate(List<String> versions) {
        this.evaluated = List.copyOf(versions);
    }

    List<String> evaluated() {
        return evaluated;
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
        for (String v : evaluated) {
            specs.add(new ModelSpec(v, store.dir(v), null));
        }
        SamplerWorker worker = SamplerWorker.start(WorkerConfig.builder()
                .setKafka(services)
                .setModels(ModelCatalog.of(specs))
                .optWorkerId("demo-worker")
                // One chunk per request: all n rows of a prompt decode as one batch.
                .optChunkSize(Math.max(1, Math.min(s.n(), 128)))
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
        // 0 prompts = every forget question and as many retain questions: the finding is about the forget split,
        // and the retain split's utility is measured well enough by a sample of its size.
        int retainPrompts = s.prompts() > 0 ? s.prompts() : split.forget().size();
        RequestTemplate forget = template("forget", limit(split.forget().size()));
        RequestTemplate retain = template("retain", Math.min(split.retain().size(), retainPrompts));
        Instant now = Instant.now();
        for (String v : evaluated) {
            for (String sp : List.of("forget", "retain")) {
                List<QaPair> pairs = sp.equals("forget") ? split.forget() : split.retain();
                int limit = sp.equals("forget") ? (s.prompts() > 0 ? s.prompts() : pairs.size()) : retainPrompts;
                if (pairs.size() > limit) {
                    pairs = pairs.subList(0, limit);
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
        for (String v : evaluated) {
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
     * The finding in plain words, one line per evaluated version that unlearned (not base or retain-only), computed
     * from the final prompt bounds of its forget split: on how many prompts greedy decoding says forgotten (greedy
     * ROUGE-L recall below τ), on how many of those sampling still leaks (some sample at or above τ), and the largest
     * certified share of leaking samples among them (the M_bin upper bound at confidence 1 − α).
     */
    List<String> findings() {
        List<String> lines = new ArrayList<>();
        for (String v : evaluated) {
            if (v.equals(Lab.BASE) || v.equals(Lab.RETAIN_ONLY)) {
                continue;
            }
            int prompts = 0;
            int greedyForgot = 0;
            int leaks = 0;
            double worst = 0;
            for (Entry e : entries) {
                PromptBounds b = bounds.get(e.request().getRequestId());
                if (!e.version().equals(v) || !e.split().equals("forget") || b == null) {
                    continue;
                }
                prompts++;
                if (b.getGreedyScore() < s.tau()) {
                    greedyForgot++;
                    if (b.getHiddenLeak()) {
                        leaks++;
                        worst = Math.max(worst, b.getMBin());
                    }
                }
            }
            if (prompts == 0) {
                continue;
            }
            String line = String.format(
                    "%s: greedy says forgotten on %d/%d forget prompts; sampling (n = %d) leaks on %d of them",
                    v, greedyForgot, prompts, s.n(), leaks);
            if (leaks > 0) {
                line += String.format(
                        "; with %.0f %% confidence up to %.0f %% of samples reproduce the answer",
                        100 * (1 - s.alpha()), 100 * worst);
            }
            lines.add(line + ".");
        }
        return lines;
    }

    /** The evaluated version with the most hidden leaks on its forget split (the first on ties), or null if none. */
    String mostHiddenLeaks() {
        String best = null;
        int most = 0;
        for (String v : evaluated) {
            int leaks = 0;
            for (Entry e : entries) {
                PromptBounds b = bounds.get(e.request().getRequestId());
                if (e.version().equals(v) && e.split().equals("forget") && b != null && b.getHiddenLeak()) {
                    leaks++;
                }
            }
            if (leaks > most) {
                most = leaks;
                best = v;
            }
        }
        return best;
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
