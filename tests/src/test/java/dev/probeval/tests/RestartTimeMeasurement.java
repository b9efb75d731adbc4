package dev.probeval.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.aggregator.Aggregator;
import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.FinishReason;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.SampleKind;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: a measurement, run only with {@code -Dprobeval.measure=true} (see docs/benchmarks.md, "Restart time").
 * For the aggregator and for the worker, each as a child JVM on an embedded broker with a steady stream of work: kill
 * it with {@code kill -9}, start it again at once with the same arguments, and time from that start to the first
 * prompt bound that counts more samples than any bound before the kill. Before: dynamic membership with the Kafka
 * client's 45 s session timeout; after: static membership (same instance / worker id) with a 15 s session timeout.
 * Prints a table and writes it to {@code target/restart-times.txt}; asserts nothing about the times.
 */
@EnabledIfSystemProperty(named = "probeval.measure", matches = "true")
class RestartTimeMeasurement {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path tmp;

    private KafkaTestCluster cluster;
    /** Latest n per request on the prompt-bounds topic, and when each larger n arrived. */
    private final Map<String, Integer> maxN = new ConcurrentHashMap<>();

    private final List<long[]> arrivals = new CopyOnWriteArrayList<>();
    private final List<String> arrivalKeys = new CopyOnWriteArrayList<>();

    @Test
    void restartToFirstBoundAfterKillMinus9() throws Exception {
        Stories.checkpoint();
        cluster = KafkaTestCluster.start(PARTITIONS);
        AtomicBoolean stop = new AtomicBoolean();
        Thread tail = new Thread(() -> tailBounds(stop), "bounds-tail");
        tail.start();
        List<String> rows = new ArrayList<>();
        try {
            rows.add(aggregatorRestart("before", false, 45_000));
            rows.add(aggregatorRestart("after", true, 15_000));
            try (Aggregator agg = Aggregator.start(ServiceProcess.aggregatorConfig(
                            cluster.bootstrapServers(),
                            cluster.registryUrl(),
                            "measure-agg-" + UUID.randomUUID(),
                            tmp.resolve("agg"),
                            PARTITIONS)
                    .build())) {
                agg.awaitRunning(Duration.ofSeconds(120));
                rows.add(workerRestart("before", false, 45_000));
                rows.add(workerRestart("after", true, 15_000));
            }
        } finally {
            stop.set(true);
            tail.join(10_000);
            cluster.close();
        }
        StringBuilder out =
                new StringBuilder("service     membership  restart->READY  restart->ready  restart->first bound\n");
        rows.forEach(r -> out.append(r).append('\n'));
        out.append("uptime: ").append(uptime()).append('\n');
        System.out.println(out);
        Files.writeString(Path.of("target", "restart-times.txt"), out.toString(), StandardCharsets.UTF_8);
        assertTrue(rows.size() == 4);
    }

    // --------------------------------------------------------------------------------------------- scenarios

    private String aggregatorRestart(String label, boolean staticMembership, int sessionMs) throws Exception {
        String model = "measure-" + label + "-" + UUID.randomUUID();
        List<EvalRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            reqs.add(EvalRequest.newBuilder(
                            Requests.request("ma-" + label + "-" + i + "-" + UUID.randomUUID(), model, 50_000)
                                    .build())
                    .setPromptId("p" + i)
                    .setBoundMode(BoundMode.SOUND)
                    .build());
        }
        cluster.produceRequests(reqs);
        AtomicBoolean stopFeed = new AtomicBoolean();
        Thread feeder = new Thread(() -> feed(reqs, stopFeed), "feeder-" + label);
        feeder.start();
        String app = "measure-" + label + "-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of(
                "role=aggregator",
                "bootstrap=" + cluster.bootstrapServers(),
                "registry=" + cluster.registryUrl(),
                "app=" + app,
                "state=" + tmp.resolve(app),
                "session=" + sessionMs,
                "partitions=" + PARTITIONS));
        if (staticMembership) {
            args.add("instance=" + app + "-1");
        }
        try {
            ServiceProcess.Child first = ServiceProcess.start(tmp.resolve(app + "-1.log"), args.toArray(String[]::new));
            awaitReady(first.url(), Duration.ofSeconds(120));
            awaitBounds(reqs, Duration.ofSeconds(60));
            Thread.sleep(3000);
            return "aggregator  " + restart(first, label, app, args, reqs);
        } finally {
            stopFeed.set(true);
            feeder.join(10_000);
        }
    }

    private String workerRestart(String label, boolean staticMembership, int sessionMs) throws Exception {
        String model = "stories-" + label;
        String group = "measure-workers-" + label + "-" + UUID.randomUUID();
        List<EvalRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            reqs.add(EvalRequest.newBuilder(
                            Requests.request("mw-" + label + "-" + i + "-" + UUID.randomUUID(), model, 20_000)
                                    .build())
                    .setPromptId("p" + i)
                    .setLogSampleTexts(false)
                    .build());
        }
        cluster.produceRequests(reqs);
        List<String> args = List.of(
                "role=worker",
                "bootstrap=" + cluster.bootstrapServers(),
                "registry=" + cluster.registryUrl(),
                "worker=w-" + label,
                "model=" + model,
                "group=" + group,
                "static=" + staticMembership,
                "session=" + sessionMs);
        ServiceProcess.Child first = ServiceProcess.start(tmp.resolve(group + "-1.log"), args.toArray(String[]::new));
        awaitBounds(reqs.subList(0, 1), Duration.ofSeconds(120));
        Thread.sleep(3000);
        String row = restart(first, label, group, args, reqs);
        return "worker      " + row;
    }

    /** kill -9, then start again at once; the times of the second start. */
    private String restart(
            ServiceProcess.Child first, String label, String name, List<String> args, List<EvalRequest> reqs)
            throws Exception {
        first.kill();
        Thread.sleep(1000); // bounds committed just before the kill have arrived by now
        Map<String, Integer> before = new HashMap<>();
        for (EvalRequest r : reqs) {
            before.put(r.getRequestId(), maxN.getOrDefault(r.getRequestId(), 0));
        }
        int seen = arrivals.size();
        long t0 = System.nanoTime();
        ServiceProcess.Child second = ServiceProcess.start(tmp.resolve(name + "-2.log"), args.toArray(String[]::new));
        long tReady = System.nanoTime();
        long tHealthy = -1;
        long tBound = -1;
        long deadline = t0 + Duration.ofSeconds(180).toNanos();
        try {
            while (System.nanoTime() < deadline && (tBound < 0 || tHealthy < 0)) {
                if (tHealthy < 0) {
                    JsonNode h = health(second.url() + "/health/ready");
                    if (h != null && h.path("ready").asBoolean()) {
                        tHealthy = System.nanoTime();
                    }
                }
                for (int i = seen; i < arrivals.size() && tBound < 0; i++) {
                    String key = arrivalKeys.get(i);
                    long[] a = arrivals.get(i);
                    if (before.containsKey(key) && a[1] > before.get(key) && a[0] > t0) {
                        tBound = a[0];
                    }
                }
                Thread.sleep(50);
            }
        } finally {
            second.kill();
        }
        return String.format(
                "%-10s  %12.1f s  %12.1f s  %17.1f s",
                label,
                (tReady - t0) / 1e9,
                tHealthy < 0 ? Double.NaN : (tHealthy - t0) / 1e9,
                tBound < 0 ? Double.NaN : (tBound - t0) / 1e9);
    }

    // --------------------------------------------------------------------------------------------- plumbing

    /** About 200 synthetic samples a second, round-robin over the requests, until stopped. */
    private void feed(List<EvalRequest> reqs, AtomicBoolean stop) {
        try (KafkaProducer<String, ScoredSample> p = cluster.producer(Topics.SAMPLES, Map.of())) {
            int index = 0;
            while (!stop.get() && index < reqs.get(0).getNumSamples()) {
                for (int k = 0; k < 5; k++, index++) {
                    for (EvalRequest r : reqs) {
                        double score = ((index * 7 + r.getPromptId().hashCode()) & 0xff) / 255.0;
                        p.send(new ProducerRecord<>(
                                Topics.SAMPLES.name(),
                                r.getRequestId(),
                                ScoredSample.newBuilder()
                                        .setSampleId(SampleIds.sampleId(r.getRequestId(), index))
                                        .setRequestId(r.getRequestId())
                                        .setModelVersion(r.getModelVersion())
                                        .setPromptId(r.getPromptId())
                                        .setSuite(r.getSuite())
                                        .setSplit(r.getSplit())
                                        .setSampleIndex(index)
                                        .setKind(SampleKind.SAMPLED)
                                        .setSeed(SampleIds.sampleSeed(0, r.getRequestId(), index))
                                        .setScore(score)
                                        .setLeaked(score >= 0.5)
                                        .setTokenCount(8)
                                        .setFinishReason(FinishReason.EOS)
                                        .setWorkerId("feeder")
                                        .setProducedAt(Instant.now())
                                        .build()));
                    }
                }
                p.flush();
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void tailBounds(AtomicBoolean stop) {
        try (KafkaTestCluster.Reader<PromptBounds> reader = cluster.readCommitted(Topics.PROMPT_BOUNDS)) {
            KafkaConsumer<String, PromptBounds> consumer = reader.consumer();
            while (!stop.get()) {
                for (ConsumerRecord<String, PromptBounds> r : consumer.poll(Duration.ofMillis(50))) {
                    String id = r.value().getRequestId();
                    int n = r.value().getN();
                    long now = System.nanoTime();
                    arrivals.add(new long[] {now, n});
                    arrivalKeys.add(id);
                    maxN.merge(id, n, Math::max);
                }
            }
        }
    }

    private void awaitBounds(List<EvalRequest> reqs, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (reqs.stream().anyMatch(r -> maxN.getOrDefault(r.getRequestId(), 0) == 0)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no bounds for " + reqs.get(0).getRequestId() + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private void awaitReady(String url, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode h = health(url + "/health/ready");
            if (h != null && h.path("ready").asBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(url + " not ready within " + timeout + ": " + h);
            }
            Thread.sleep(100);
        }
    }

    private JsonNode health(String url) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }
}
