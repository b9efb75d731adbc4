package dev.probeval.tests;

import static dev.probeval.tests.RestJson.getJson;
import static dev.probeval.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.contract.RequestLimits;
import dev.probeval.kafka.Topics;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adversarial corpus, live: a worker (real stories260K model) and an aggregator on one embedded KRaft broker with
 * the project's registry receive a stream of hostile records — oversized and unprintable fields, separators inside
 * key parts, undecodable bytes, out-of-range numbers, pathological regular expressions, conflicting re-sends, samples
 * that lie. Each has exactly one terminal outcome with its reason: one dead letter with the expected code, or
 * REJECTED on the REST API, or FINAL. Valid requests sent afterwards on every partition reach FINAL, and so do new ones
 * after the aggregator is restarted on its state.
 */
class AdversarialCorpusTest {
    private static final String MODEL = "stories260k";
    private static final int PARTITIONS = 3;
    private static final String BIG = "x".repeat(700_000);

    private KafkaTestCluster cluster;

    @TempDir
    Path tmp;

    private final String appId = "agg-adv-" + UUID.randomUUID();

    /** How a case must end. */
    enum Outcome {
        DEAD_LETTER,
        REJECTED,
        FINAL
    }

    /** One hostile input: its record key (what its dead letter carries), the outcome and reason it must end with. */
    record Case(String name, String key, Outcome outcome, String reason, Runnable send) {}

    private final List<Case> corpus = new ArrayList<>();

    @BeforeEach
    void startInfrastructure() {
        Stories.checkpoint();
        cluster = KafkaTestCluster.start(PARTITIONS);
    }

    @AfterEach
    void stopInfrastructure() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static EvalRequest request(String id, Consumer<EvalRequest.Builder> change) {
        EvalRequest.Builder b = Requests.request(id, MODEL, 2);
        change.accept(b);
        return b.build();
    }

    private void deadLetter(String id, DeadLetterReason reason, Consumer<EvalRequest.Builder> change) {
        corpus.add(new Case(
                id, id, Outcome.DEAD_LETTER, reason.code(), () -> cluster.produceRequests(request(id, change))));
    }

    private void raw(String name, String key, String topic, byte[] value, DeadLetterReason reason) {
        corpus.add(
                new Case(name, key, Outcome.DEAD_LETTER, reason.code(), () -> cluster.produceRaw(topic, key, value)));
    }

    private Aggregator startAggregator() {
        Aggregator agg = Aggregator.start(AggregatorConfig.builder()
                .setKafka(AggregatorConfig.kafkaBuilder()
                        .setBootstrapServers(cluster.bootstrapServers())
                        .optSchemaRegistryUrl(cluster.registryUrl())
                        .optPartitions(PARTITIONS)
                        .optKafkaConfig("commit.interval.ms", 100)
                        .optKafkaConfig("statestore.cache.max.bytes", 0)
                        .optKafkaConfig("num.stream.threads", 1)
                        .build())
                .optApplicationId(appId)
                .optStateDir(tmp.resolve("agg"))
                .optHttpPort(0)
                .optEmitEverySamples(0)
                .optEmitIntervalMs(200)
                .optModelEmitIntervalMs(200)
                .optEarlySampleTimeoutMs(2000)
                .build());
        agg.awaitRunning(Duration.ofSeconds(60));
        return agg;
    }

    /** One valid request id per partition of the requests topic (the default partitioner's murmur2 of the key). */
    private static List<String> canaries(String prefix) {
        Map<Integer, String> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.size() < PARTITIONS; i++) {
            String id = prefix + "-" + i;
            byPartition.putIfAbsent(
                    Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS, id);
        }
        return List.copyOf(byPartition.values());
    }

    private static void awaitStatus(Aggregator agg, String id, String status) throws InterruptedException {
        await(id + " " + status, Duration.ofSeconds(180), () -> {
            JsonNode g = getJson(agg.httpUrl() + "/api/v1/requests/" + id);
            return g != null && status.equals(g.get("status").asText());
        });
    }

    private Map<String, List<DeadLetter>> committedDeadLetters() {
        Map<String, List<DeadLetter>> out = new HashMap<>();
        try (KafkaTestCluster.Reader<DeadLetter> reader = cluster.readCommitted(Topics.DEAD_LETTERS)) {
            for (ConsumerRecord<String, DeadLetter> r : reader.readToEnd("the dead letters", Duration.ofSeconds(60))) {
                DeadLetter d = r.value();
                String key = d.getKey() == null
                        ? "<no key>"
                        : StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(d);
            }
        }
        return out;
    }

    private void buildCorpus(Map<String, EvalRequest> valid) {
        // oversized or unprintable fields, separators inside the roll-up key's parts
        deadLetter("adv-suite-700k", DeadLetterReason.FIELD_TOO_LONG, b -> b.setSuite(BIG));
        deadLetter("adv-version-700k", DeadLetterReason.FIELD_TOO_LONG, b -> b.setModelVersion(BIG));
        deadLetter("adv-prompt-id-long", DeadLetterReason.FIELD_TOO_LONG, b -> b.setPromptId("p".repeat(257)));
        String longId = "adv-id-" + "i".repeat(300);
        deadLetter(longId, DeadLetterReason.FIELD_TOO_LONG, b -> {});
        deadLetter("adv-suite-nul", DeadLetterReason.INVALID_CHARACTER, b -> b.setSuite("tofu\0forget"));
        deadLetter("adv-split-nul", DeadLetterReason.INVALID_CHARACTER, b -> b.setSplit("for\0get"));
        deadLetter("adv-version-pipe", DeadLetterReason.INVALID_CHARACTER, b -> b.setModelVersion(MODEL + "|tiny|x"));
        deadLetter("adv-suite-bidi", DeadLetterReason.INVALID_CHARACTER, b -> b.setSuite("safe\u202etixe"));
        deadLetter("adv-prompt-id-newline", DeadLetterReason.INVALID_CHARACTER, b -> b.setPromptId("p1\nINFO forged"));
        deadLetter("adv-empty-version", DeadLetterReason.MISSING_FIELD, b -> b.setModelVersion(""));
        // numbers out of range
        deadLetter("adv-alpha", DeadLetterReason.ALPHA_OUT_OF_RANGE, b -> b.setAlpha(0.7));
        deadLetter("adv-alpha-nan", DeadLetterReason.ALPHA_OUT_OF_RANGE, b -> b.setAlpha(Double.NaN));
        deadLetter("adv-n-zero", DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, b -> b.setNumSamples(0));
        deadLetter("adv-n-max", DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, b -> b.setNumSamples(Integer.MAX_VALUE));
        deadLetter(
                "adv-tau",
                DeadLetterReason.LEAK_THRESHOLD_OUT_OF_RANGE,
                b -> b.getScorerBuilder().setLeakThreshold(2));
        deadLetter(
                "adv-temp-nan",
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                b -> b.getDecodingBuilder().setTemperature(Double.NaN));
        deadLetter(
                "adv-max-tokens",
                DeadLetterReason.DECODING_OUT_OF_RANGE,
                b -> b.getDecodingBuilder().setMaxNewTokens(1_000_000));
        deadLetter("adv-suite-size", DeadLetterReason.SUITE_SIZE_OUT_OF_RANGE, b -> b.setSuiteSize(0));
        deadLetter(
                "adv-stop-fixed-n",
                DeadLetterReason.STOPPING_RULE_NOT_ANYTIME,
                b -> b.setBoundMode(BoundMode.SOUND)
                        .setStoppingRule(StoppingRule.newBuilder()
                                .setMetric(StoppingMetric.M_BIN)
                                .setThreshold(0.1)
                                .setDecide(StoppingDecide.EITHER)
                                .build()));
        // scorer and references
        deadLetter(
                "adv-metric",
                DeadLetterReason.UNKNOWN_METRIC,
                b -> b.getScorerBuilder().setMetric("bleu"));
        deadLetter(
                "adv-regex-invalid",
                DeadLetterReason.INVALID_REFERENCE,
                b -> b.setReferences(List.of("(unclosed")).getScorerBuilder().setMetric("regex"));
        deadLetter(
                "adv-regex-backref",
                DeadLetterReason.INVALID_REFERENCE,
                b -> b.setReferences(List.of("(a)\\1")).getScorerBuilder().setMetric("regex"));
        deadLetter("adv-no-refs", DeadLetterReason.MISSING_REFERENCES, b -> b.setReferences(List.of()));
        deadLetter(
                "adv-refs-65",
                DeadLetterReason.TOO_MANY_REFERENCES,
                b -> b.setReferences(Collections.nCopies(65, "a")));
        deadLetter(
                "adv-ref-long",
                DeadLetterReason.REFERENCE_TOO_LONG,
                b -> b.setReferences(List.of("r".repeat(RequestLimits.DEFAULT_MAX_REFERENCE_CHARS + 1))));
        deadLetter(
                "adv-prompt-long",
                DeadLetterReason.PROMPT_TOO_LONG,
                b -> b.setPrompt("p".repeat(RequestLimits.DEFAULT_MAX_PROMPT_CHARS + 1)));
        deadLetter(
                "adv-too-large",
                DeadLetterReason.REQUEST_TOO_LARGE,
                b -> b.setReferences(Collections.nCopies(40, "r".repeat(15_000))));
        deadLetter(
                "adv-prefixes",
                DeadLetterReason.TOO_MANY_ENTRIES,
                b -> b.getScorerBuilder().setStripPrefixes(Collections.nCopies(17, "A: ")));
        // attributes
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            many.put("k" + i, "v");
        }
        deadLetter("adv-attrs-many", DeadLetterReason.TOO_MANY_ENTRIES, b -> b.setAttributes(many));
        deadLetter(
                "adv-attr-escape",
                DeadLetterReason.INVALID_CHARACTER,
                b -> b.setAttributes(Map.of("owner", "\u001b[31mred")));
        deadLetter(
                "adv-attr-long",
                DeadLetterReason.FIELD_TOO_LONG,
                b -> b.setAttributes(Map.of("owner", "o".repeat(2000))));
        // records that are not what their topic says
        raw(
                "not-avro",
                "adv-not-avro",
                Topics.EVAL_REQUESTS.name(),
                "not avro".getBytes(StandardCharsets.UTF_8),
                DeadLetterReason.UNDESERIALIZABLE);
        raw(
                "unknown-schema-id",
                "adv-schema-id",
                Topics.EVAL_REQUESTS.name(),
                new byte[] {0, 0, 1, (byte) 0x86, (byte) 0x9f, 2, 'a'},
                DeadLetterReason.UNKNOWN_SCHEMA_ID);
        byte[] good = serialized(request("adv-truncated", b -> {}));
        raw(
                "truncated",
                "adv-truncated",
                Topics.EVAL_REQUESTS.name(),
                java.util.Arrays.copyOf(good, good.length / 2),
                DeadLetterReason.UNDESERIALIZABLE);
        // (a request without a key never gets this far: the broker refuses it on the compacted requests topic)
        corpus.add(new Case(
                "sample without a key",
                "<no key>",
                Outcome.DEAD_LETTER,
                DeadLetterReason.MISSING_KEY.code(),
                () -> cluster.produceRaw(
                        Topics.SAMPLES.name(),
                        null,
                        Topics.SAMPLES
                                .valueSerde(cluster.serde())
                                .serializer()
                                .serialize(Topics.SAMPLES.name(), sample("adv-no-key", 0, 0.5)))));
        corpus.add(new Case(
                "key mismatch",
                "adv-key-a",
                Outcome.DEAD_LETTER,
                DeadLetterReason.KEY_MISMATCH.code(),
                () -> cluster.produceRaw(
                        Topics.EVAL_REQUESTS.name(), "adv-key-a", serialized(request("adv-key-b", b -> {})))));
        // samples that lie, about a request that exists or one that never will
        EvalRequest counted = valid.get("adv-resend");
        EvalRequest target = valid.get("adv-nan-target");
        corpus.add(new Case(
                "sample for no request",
                "adv-orphan",
                Outcome.DEAD_LETTER,
                DeadLetterReason.EARLY_SAMPLE_EXPIRED.code(),
                () -> cluster.produce(
                        Topics.SAMPLES, List.of(sample("adv-orphan", 0, 0.5)), ScoredSample::getRequestId)));
        String longKey = "adv-orphan-" + "k".repeat(400);
        corpus.add(new Case(
                "sample for an id no request can have",
                longKey,
                Outcome.DEAD_LETTER,
                DeadLetterReason.UNKNOWN_REQUEST.code(),
                () -> cluster.produce(Topics.SAMPLES, List.of(sample(longKey, 0, 0.5)), ScoredSample::getRequestId)));
        corpus.add(new Case(
                "sample score NaN",
                target.getRequestId(),
                Outcome.DEAD_LETTER,
                DeadLetterReason.SCORE_NOT_FINITE.code(),
                () -> cluster.produce(
                        Topics.SAMPLES,
                        List.of(sample(target.getRequestId(), 0, Double.NaN)),
                        ScoredSample::getRequestId)));
        // valid requests the worker refuses, or that used to hang it
        corpus.add(new Case(
                "unknown model version",
                "adv-unknown-model",
                Outcome.REJECTED,
                "UNKNOWN_MODEL_VERSION",
                () -> cluster.produceRequests(request("adv-unknown-model", b -> b.setModelVersion("llama-70b")))));
        corpus.add(new Case(
                "beyond the worker's n",
                "adv-worker-limit",
                Outcome.REJECTED,
                "WORKER_LIMIT_EXCEEDED",
                () -> cluster.produceRequests(request("adv-worker-limit", b -> b.setNumSamples(5000)))));
        corpus.add(new Case(
                "catastrophic regex",
                "adv-regex-redos",
                Outcome.FINAL,
                null,
                () -> cluster.produceRequests(request(
                        "adv-regex-redos",
                        b -> b.setReferences(List.of("(?:.{0,20}){1,20}\\x00"))
                                .getScorerBuilder()
                                .setMetric("regex")))));
        // a re-send that changes what is measured, after its samples were counted
        corpus.add(new Case(
                "conflicting re-send",
                "adv-resend",
                Outcome.DEAD_LETTER,
                DeadLetterReason.CONFLICTING_REQUEST.code(),
                () -> cluster.produceRequests(EvalRequest.newBuilder(counted)
                        .setScorer(ScorerConfig.newBuilder(counted.getScorer())
                                .setMetric("exact_match")
                                .build())
                        .build())));
    }

    private byte[] serialized(EvalRequest r) {
        return Topics.EVAL_REQUESTS.valueSerde(cluster.serde()).serializer().serialize(Topics.EVAL_REQUESTS.name(), r);
    }

    private static ScoredSample sample(String requestId, int index, double score) {
        return ScoredSample.newBuilder()
                .setSampleId(dev.probeval.core.ids.SampleIds.sampleId(requestId, index))
                .setRequestId(requestId)
                .setModelVersion(BIG)
                .setPromptId("p")
                .setSuite("tiny")
                .setSplit("forget")
                .setSampleIndex(index)
                .setKind(dev.probeval.avro.SampleKind.SAMPLED)
                .setSeed(1)
                .setScore(score)
                .setLeaked(false)
                .setTokenCount(1)
                .setFinishReason(dev.probeval.avro.FinishReason.EOS)
                .setWorkerId("liar")
                .setProducedAt(java.time.Instant.now())
                .build();
    }

    @Test
    void everyHostileRecordEndsOnceWithItsReasonAndTheValidOnesStillFinish() throws Exception {
        SamplerWorker worker = SamplerWorker.start(
                WorkerConfig.builder()
                        .setKafka(WorkerConfig.kafkaBuilder()
                                .setBootstrapServers(cluster.bootstrapServers())
                                .optSchemaRegistryUrl(cluster.registryUrl())
                                .build())
                        .setModels(Stories.catalog(MODEL))
                        .optWorkerId("w-adv")
                        .optChunkSize(2)
                        .optMaxSamplesLimit(1000)
                        .optPollTimeout(Duration.ofMillis(100))
                        .optRetryBackoff(Duration.ofMillis(200))
                        .optTransactionTimeoutMs(10_000)
                        .build(),
                new SimpleMeterRegistry());
        cluster.closeAfter(worker);
        Aggregator agg = startAggregator();

        EvalRequest resend = request("adv-resend", b -> {});
        EvalRequest nanTarget = request("adv-nan-target", b -> {});
        cluster.produceRequests(resend, nanTarget);
        awaitStatus(agg, "adv-resend", "FINAL");
        awaitStatus(agg, "adv-nan-target", "FINAL");

        buildCorpus(Map.of("adv-resend", resend, "adv-nan-target", nanTarget));
        assertTrue(corpus.size() >= 30, "corpus of " + corpus.size());
        for (Case c : corpus) {
            c.send().run();
        }
        List<String> canaries = canaries("adv-canary");
        for (String id : canaries) {
            cluster.produceRequests(request(id, b -> {}));
        }
        for (String id : canaries) {
            awaitStatus(agg, id, "FINAL");
        }
        for (Case c : corpus) {
            if (c.outcome() == Outcome.FINAL) {
                awaitStatus(agg, c.key(), "FINAL");
            } else if (c.outcome() == Outcome.REJECTED) {
                awaitStatus(agg, c.key(), "REJECTED");
                JsonNode g = getJson(agg.httpUrl() + "/api/v1/requests/" + c.key());
                assertEquals(c.reason(), g.get("rejectionReason").asText(), c.name());
            }
        }
        long expected =
                corpus.stream().filter(c -> c.outcome() == Outcome.DEAD_LETTER).count();
        try (KafkaTestCluster.Reader<DeadLetter> reader = cluster.readCommitted(Topics.DEAD_LETTERS)) {
            try {
                reader.awaitUntil("every dead letter", Duration.ofSeconds(90), seen -> seen.size() >= expected);
            } catch (AssertionError missing) {
                // the case-by-case comparison below names what is missing
            }
        }
        Map<String, List<DeadLetter>> dls = committedDeadLetters();
        List<String> problems = new ArrayList<>();
        for (Case c : corpus) {
            List<DeadLetter> mine = dls.getOrDefault(c.key(), List.of());
            if (c.outcome() == Outcome.DEAD_LETTER) {
                if (mine.size() != 1 || !c.reason().equals(mine.get(0).getReasonCode())) {
                    problems.add(c.name() + ": expected one " + c.reason() + ", got "
                            + mine.stream().map(DeadLetter::getReasonCode).toList());
                }
            } else if (!mine.isEmpty()) {
                problems.add(c.name() + ": expected no dead letter, got "
                        + mine.stream().map(DeadLetter::getReasonCode).toList());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        for (List<DeadLetter> list : dls.values()) {
            for (DeadLetter d : list) {
                int size = Topics.DEAD_LETTERS
                        .valueSerde(cluster.serde())
                        .serializer()
                        .serialize(Topics.DEAD_LETTERS.name(), d)
                        .length;
                assertTrue(size < 1_000_000, "dead letter of " + size + " bytes");
                assertTrue(
                        d.getReason().length() <= 2000 && d.getReason().chars().noneMatch(Character::isISOControl),
                        "bounded, printable reason: " + d.getReason().length());
            }
        }
        JsonNode resent = getJson(agg.httpUrl() + "/api/v1/requests/adv-resend");
        assertEquals(
                "FINAL", resent.get("status").asText(), "the conflicting re-send leaves the counted request as is");
        assertTrue(worker.failure().isEmpty(), () -> "the worker kept going: " + worker.failure());
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(agg.httpUrl() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(metrics.chars().noneMatch(ch -> ch == 0), "no NUL byte in /metrics");
        assertTrue(metrics.length() < 2_000_000, "/metrics is not sized by the hostile fields: " + metrics.length());

        // the aggregator comes back on its state, and new requests on every partition still finish
        agg.close();
        Aggregator again = startAggregator();
        cluster.closeAfter(again);
        for (String id : canaries) {
            awaitStatus(again, id, "FINAL");
        }
        List<String> after = canaries("adv-after-restart");
        for (String id : after) {
            cluster.produceRequests(request(id, b -> {}));
        }
        for (String id : after) {
            awaitStatus(again, id, "FINAL");
        }
        assertEquals(
                committedDeadLetters().values().stream().mapToInt(List::size).sum(),
                dls.values().stream().mapToInt(List::size).sum(),
                "no record was dead-lettered again after the restart");
    }
}
