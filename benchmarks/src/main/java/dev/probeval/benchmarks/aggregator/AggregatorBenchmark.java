package dev.probeval.benchmarks.aggregator;

import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.aggregator.AggregatorMetrics;
import dev.probeval.aggregator.AggregatorTopology;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.FinishReason;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.broker.EmbeddedKafka;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.kafka.TopicAdmin;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.server.SchemaRegistryServer;
import dev.probeval.serde.AvroSerdeConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Throughput and latency of the aggregator on the embedded broker, side by side with a bare
 * {@code groupByKey().count()} topology on the same input, both with exactly-once v2 and one stream thread.
 *
 * <p>Phase 1 (throughput): all samples are produced first; each topology then processes the whole topic from the
 * start, timed from its RUNNING state until its committed offsets reach the end of the samples topic (and, for the
 * aggregator, every prompt's FINAL bound was emitted). Phase 2 (latency): with the aggregator caught up, new requests'
 * samples are produced at a fixed rate; each emitted PromptBounds seen by a read_committed consumer is matched with
 * the producedAt of the sample that triggered it (the n-th sample of its request), so latency = consumer receive time
 * minus producedAt, including the exactly-once commit that makes the bound visible.
 *
 * <p>Arguments: {@code --prompts P --samples-per-prompt S (or --samples TOTAL) --emit-every K --latency-samples L
 * --latency-rates R1,R2,... --partitions N --instances I --mode SOUND|CONBO|ANYTIME} (default SOUND, the schema's
 * default); {@code --streams.<property> value} overrides a Kafka
 * Streams property of the aggregator. Time to RUNNING is reported apart from the throughput, which is timed from
 * RUNNING (all instances). With several latency rates, the highest one whose p99 stays within 1 s is reported.
 */
public final class AggregatorBenchmark {
    private AggregatorBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        int prompts = Integer.parseInt(a.getOrDefault("prompts", "1000"));
        int perPrompt = Integer.parseInt(a.getOrDefault("samples-per-prompt", "1000"));
        if (a.containsKey("samples")) {
            perPrompt = Math.max(1, Integer.parseInt(a.get("samples")) / prompts);
        }
        int emitEvery = Integer.parseInt(a.getOrDefault("emit-every", "100"));
        int latencySamples = Integer.parseInt(a.getOrDefault("latency-samples", "100000"));
        List<Integer> latencyRates = Arrays.stream(
                        a.getOrDefault("latency-rates", a.getOrDefault("latency-rate", "10000"))
                                .split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "1"));
        int instances = Integer.parseInt(a.getOrDefault("instances", "1"));
        BoundMode mode = BoundMode.valueOf(a.getOrDefault("mode", BoundMode.SOUND.name()));
        long total = (long) prompts * perPrompt;
        System.out.printf(
                "aggregator benchmark: %d prompts x %d samples = %,d samples, emit every %d, %d partition(s), "
                        + "exactly_once_v2, %d aggregator instance(s) x 1 stream thread, bound mode %s; %s, %d cores%n",
                prompts,
                perPrompt,
                total,
                emitEvery,
                partitions,
                instances,
                mode,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());

        Path work = Files.createTempDirectory("probeval-agg-bench-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build();
                SchemaRegistryServer registry = SchemaRegistryServer.builder()
                        .setKafka(KafkaServiceConfig.builder()
                                .setBootstrapServers(kafka.bootstrapServers())
                                .build())
                        .port(0)
                        .start()) {
            Map<String, Object> serde = AvroSerdeConfig.forUrl(registry.url());
            try (Admin admin = kafka.admin()) {
                TopicAdmin.ensureTopics(admin, partitions, (short) 1);
                TopicAdmin.ensure(admin, List.of(new NewTopic("bench.baseline-counts", partitions, (short) 1)));
            }

            long t0 = System.nanoTime();
            produce(kafka, serde, "t", prompts, perPrompt, 0, null, mode);
            double produceS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("produced %,d samples in %.1f s (%,.0f/s)%n", total, produceS, total / produceS);

            // Phase 1: baseline, then aggregator, on the same input.
            double baselineS = runBaseline(kafka, work, partitions);
            System.out.printf("baseline groupByKey().count(): %.2f s, %,.0f samples/s%n", baselineS, total / baselineS);

            AggregatorConfig cfg = AggregatorConfig.builder()
                    .setKafka(AggregatorConfig.kafkaBuilder()
                            .setBootstrapServers(kafka.bootstrapServers())
                            .optSchemaRegistryUrl(registry.url())
                            .optPartitions(partitions)
                            .build())
                    .optApplicationId("bench-aggregator")
                    .optStateDir(work.resolve("aggregator"))
                    .optEmitEverySamples(emitEvery)
                    .optEmitIntervalMs(1000)
                    .optModelEmitIntervalMs(1000)
                    .build();
            KafkaServiceConfig.Builder kb = cfg.kafka().toBuilder();
            a.forEach((k, v) -> {
                if (k.startsWith("streams.")) {
                    kb.optKafkaConfig(k.substring("streams.".length()), v);
                }
            });
            cfg = cfg.toBuilder().setKafka(kb.build()).build();
            AggregatorMetrics metrics = new AggregatorMetrics(new SimpleMeterRegistry());
            List<KafkaStreams> aggs = new ArrayList<>();
            long t1 = System.nanoTime();
            for (int i = 0; i < instances; i++) {
                AggregatorConfig ci = cfg.toBuilder()
                        .optStateDir(work.resolve("aggregator-" + i))
                        .build();
                KafkaStreams ks = new KafkaStreams(AggregatorTopology.build(ci, metrics), ci.streamsProperties(0));
                int instance = i;
                long t1f = t1;
                // state changes after the first RUNNING (a second rebalance) pause processing inside the timed phase
                ks.setStateListener((now, before) -> System.out.printf(
                        "aggregator %d: %s -> %s at +%.2f s%n",
                        instance, before, now, (System.nanoTime() - t1f) / 1e9));
                aggs.add(ks);
            }
            aggs.forEach(KafkaStreams::start);
            long start = awaitAllRunning(aggs);
            System.out.printf("aggregator time to RUNNING: %.2f s%n", (start - t1) / 1e9);
            awaitCaughtUp(kafka, "bench-aggregator", () -> finals(metrics) >= prompts);
            double aggS = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "aggregator: %.2f s, %,.0f samples/s (%,.0f counted, %,.0f FINAL)%n",
                    aggS, total / aggS, metrics.samplesCountedTotal(), finals(metrics));
            System.out.printf("ratio aggregator / baseline throughput: %.2f%n", baselineS / aggS);

            // Phase 2: latency at fixed production rates, aggregator caught up and running.
            int best = -1;
            for (int rate : latencySamples > 0 ? latencyRates : List.<Integer>of()) {
                int lp = Math.max(1, latencySamples / perPrompt);
                int lps = Math.min(perPrompt, latencySamples);
                Map<String, long[]> producedAt = new ConcurrentHashMap<>();
                AtomicBoolean done = new AtomicBoolean();
                List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
                Thread reader = new Thread(() -> readBounds(kafka, serde, producedAt, latencies, done), "bound-reader");
                reader.start();
                Thread.sleep(2000); // reader assigned
                produce(kafka, serde, "l" + rate, lp, lps, rate, producedAt, mode);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int expected = lp * (emitEvery > 0 ? lps / emitEvery : 1);
                while (latencies.size() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                done.set(true);
                reader.join();
                long[] l =
                        latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                boolean complete = l.length >= expected;
                System.out.printf(
                        "latency sample produced -> bound visible (read_committed), %d samples at %,d/s offered, %d/%d"
                                + " bounds: p50 %d ms, p99 %d ms, max %d ms%s%n",
                        lp * lps,
                        rate,
                        l.length,
                        expected,
                        pct(l, 0.5),
                        pct(l, 0.99),
                        l.length == 0 ? -1 : l[l.length - 1],
                        complete ? "" : " (incomplete within 60 s)");
                if (complete && pct(l, 0.99) <= 1000) {
                    best = Math.max(best, rate);
                }
            }
            if (latencyRates.size() > 1) {
                System.out.printf(
                        "highest offered rate with p99 <= 1 s: %s%n", best < 0 ? "none" : String.format("%,d/s", best));
            }
            aggs.forEach(k -> k.close(Duration.ofSeconds(30)));
        } finally {
            deleteQuietly(work);
        }
    }

    private static double finals(AggregatorMetrics m) {
        return m.registry()
                .find("probeval.aggregator.prompt.bounds.emitted")
                .tag("status", BoundsStatus.FINAL.name())
                .counter()
                .count();
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Requests then samples (sample i of every prompt, then i+1); rate 0: as fast as possible. */
    private static void produce(
            EmbeddedKafka kafka,
            Map<String, Object> serde,
            String tag,
            int prompts,
            int perPrompt,
            int rate,
            Map<String, long[]> producedAt,
            BoundMode mode)
            throws InterruptedException {
        Map<String, Object> p = new HashMap<>(kafka.clientConfig());
        p.put(ProducerConfig.LINGER_MS_CONFIG, rate > 0 ? 1 : 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, EvalRequest> rp = new KafkaProducer<>(
                p,
                new StringSerializer(),
                Topics.EVAL_REQUESTS.valueSerde(serde).serializer())) {
            for (int i = 0; i < prompts; i++) {
                String id = tag + "-req-" + i;
                ids.add(id);
                if (producedAt != null) {
                    producedAt.put(id, new long[perPrompt + 1]);
                }
                rp.send(new ProducerRecord<>(
                        Topics.EVAL_REQUESTS.name(),
                        id,
                        EvalRequest.newBuilder()
                                .setRequestId(id)
                                .setModelVersion("bench-model-" + tag)
                                .setPromptId("p" + i)
                                .setSuite("bench")
                                .setSplit(i % 2 == 0 ? "forget" : "retain")
                                .setPrompt("prompt " + i)
                                .setReferences(List.of("answer"))
                                .setScorer(ScorerConfig.newBuilder()
                                        .setMetric("rougeL_recall")
                                        .setLeakThreshold(0.5)
                                        .setStripPrefixes(List.of())
                                        .build())
                                .setNumSamples(perPrompt)
                                .setAlpha(0.01)
                                .setBoundMode(mode)
                                .setCreatedAt(Instant.now())
                                .setAttributes(Map.of())
                                .build()));
            }
            rp.flush();
        }
        SplittableRandom rnd = new SplittableRandom(42);
        long startNs = System.nanoTime();
        long sent = 0;
        try (KafkaProducer<String, ScoredSample> sp = new KafkaProducer<>(
                p, new StringSerializer(), Topics.SAMPLES.valueSerde(serde).serializer())) {
            for (int s = 0; s < perPrompt; s++) {
                for (int i = 0; i < prompts; i++) {
                    if (rate > 0) {
                        long due = startNs + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    String id = ids.get(i);
                    // ROUGE-like scores: ratios of small integers, so few distinct values per prompt
                    double score = rnd.nextInt(21) / 20.0;
                    long now = System.currentTimeMillis();
                    if (producedAt != null) {
                        producedAt.get(id)[s + 1] = now;
                    }
                    sp.send(new ProducerRecord<>(
                            Topics.SAMPLES.name(),
                            id,
                            ScoredSample.newBuilder()
                                    .setRecordType(dev.probeval.avro.ScoredRecordType.SAMPLE)
                                    .setSampleId(SampleIds.sampleId(id, s))
                                    .setRequestId(id)
                                    .setModelVersion("bench-model-" + tag)
                                    .setPromptId("p" + i)
                                    .setSuite("bench")
                                    .setSplit(i % 2 == 0 ? "forget" : "retain")
                                    .setSampleIndex(s)
                                    .setKind(SampleKind.SAMPLED)
                                    .setSeed(s)
                                    .setScore(score)
                                    .setLeaked(score >= 0.5)
                                    .setTokenCount(20)
                                    .setFinishReason(FinishReason.EOS)
                                    .setWorkerId("bench")
                                    .setProducedAt(Instant.ofEpochMilli(now))
                                    .build()));
                    sent++;
                }
            }
            sp.flush();
        }
    }

    private static double runBaseline(EmbeddedKafka kafka, Path work, int partitions) throws Exception {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(
                        Topics.SAMPLES.name(),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("baseline-source"))
                .groupByKey(Grouped.as("baseline-group"))
                .count(
                        Named.as("baseline-count"),
                        Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("baseline-counts")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Serdes.Long()))
                .toStream(Named.as("baseline-to-stream"))
                .to(
                        "bench.baseline-counts",
                        Produced.with(Serdes.String(), Serdes.Long()).withName("baseline-sink"));
        Topology t = b.build();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-baseline");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("baseline").toString());
        KafkaStreams ks = new KafkaStreams(t, p);
        long start = startAndAwaitRunning(ks);
        awaitCaughtUp(kafka, "bench-baseline", () -> true);
        double s = (System.nanoTime() - start) / 1e9;
        ks.close(Duration.ofSeconds(30));
        return s;
    }

    /** Waits until every instance is RUNNING at the same time; returns that moment (nanoTime). */
    private static long awaitAllRunning(List<KafkaStreams> all) throws InterruptedException {
        while (!all.stream().allMatch(k -> k.state() == KafkaStreams.State.RUNNING)) {
            if (all.stream().anyMatch(k -> k.state() == KafkaStreams.State.ERROR)) {
                throw new IllegalStateException("streams failed");
            }
            Thread.sleep(10);
        }
        return System.nanoTime();
    }

    private static long startAndAwaitRunning(KafkaStreams ks) throws InterruptedException {
        long t = System.nanoTime();
        ks.start();
        while (ks.state() != KafkaStreams.State.RUNNING) {
            if (ks.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("streams failed");
            }
            Thread.sleep(10);
        }
        long now = System.nanoTime();
        System.out.printf("%s time to RUNNING: %.2f s%n", "baseline", (now - t) / 1e9);
        return now;
    }

    /** Waits until the group's committed offsets on the samples topic reach its end offsets and {@code extra} holds. */
    private static void awaitCaughtUp(EmbeddedKafka kafka, String group, java.util.function.BooleanSupplier extra)
            throws Exception {
        try (Admin admin = kafka.admin()) {
            var desc = admin.describeTopics(List.of(Topics.SAMPLES.name()))
                    .allTopicNames()
                    .get()
                    .get(Topics.SAMPLES.name());
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            desc.partitions()
                    .forEach(pi ->
                            specs.put(new TopicPartition(Topics.SAMPLES.name(), pi.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(specs).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
                boolean caught = end.entrySet().stream()
                        .allMatch(e -> Optional.ofNullable(committed.get(e.getKey()))
                                .map(o -> o.offset() >= e.getValue())
                                .orElse(e.getValue() == 0));
                if (caught && extra.getAsBoolean()) {
                    return;
                }
                Thread.sleep(20);
            }
        }
    }

    private static void readBounds(
            EmbeddedKafka kafka,
            Map<String, Object> serde,
            Map<String, long[]> producedAt,
            List<Long> latencies,
            AtomicBoolean done) {
        Map<String, Object> c = new HashMap<>(kafka.clientConfig());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, PromptBounds> consumer = new KafkaConsumer<>(
                c,
                new StringDeserializer(),
                Topics.PROMPT_BOUNDS.valueSerde(serde).deserializer())) {
            consumer.subscribe(List.of(Topics.PROMPT_BOUNDS.name()));
            while (!done.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                records.forEach(r -> {
                    long[] times = producedAt.get(r.key());
                    if (times != null && r.value().getN() > 0 && r.value().getN() < times.length) {
                        latencies.add(now - times[r.value().getN()]);
                    }
                });
            }
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (Exception ignored) {
            // temp dir
        }
    }
}
