package dev.probeval.tests;

import dev.probeval.aggregator.Aggregator;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.kafka.KafkaServiceConfig;
import dev.probeval.worker.SamplerWorker;
import dev.probeval.worker.WorkerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * An aggregator or a sampler worker in a child JVM, so that a test can {@code kill -9} it ({@link Process#destroyForcibly}
 * sends SIGKILL on Linux): no shutdown hook, no LeaveGroup, no transaction abort, exactly what a crashed process
 * leaves behind. The child prints {@code READY <url>} once started; its other output goes to a log file.
 *
 * <p>Arguments are {@code key=value}: {@code role=aggregator|worker}, {@code bootstrap}, {@code registry}, and for the
 * aggregator {@code app}, {@code state}, {@code instance} (optional), {@code session}, {@code partitions}; for the
 * worker {@code worker}, {@code model}, {@code group}, {@code static} (true/false), {@code session}.
 */
public final class ServiceProcess {
    private ServiceProcess() {}

    /** The child's entry point. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String s : args) {
            int eq = s.indexOf('=');
            a.put(s.substring(0, eq), s.substring(eq + 1));
        }
        switch (a.get("role")) {
            case "aggregator" -> {
                AggregatorConfig.Builder b = aggregatorConfig(
                        a.get("bootstrap"),
                        a.get("registry"),
                        a.get("app"),
                        Path.of(a.get("state")),
                        Integer.parseInt(a.getOrDefault("partitions", "2")),
                        k -> k.optSessionTimeoutMs(Integer.parseInt(a.get("session")))
                                .optInstanceId(a.get("instance")));
                Aggregator agg = Aggregator.start(b.build());
                System.out.println("READY " + agg.httpUrl());
                System.out.flush();
                agg.terminated().join();
            }
            case "worker" -> {
                SamplerWorker w = SamplerWorker.start(workerConfig(
                                a.get("bootstrap"),
                                a.get("registry"),
                                a.get("worker"),
                                a.get("model"),
                                k -> k.optSessionTimeoutMs(Integer.parseInt(a.get("session"))))
                        .optGroupId(a.getOrDefault("group", WorkerConfig.DEFAULT_GROUP_ID))
                        .optStaticMembership(Boolean.parseBoolean(a.get("static")))
                        .optMetricsEndpoint("127.0.0.1", 0)
                        .build());
                System.out.println("READY http://127.0.0.1:" + w.metricsPort());
                System.out.flush();
                w.terminated().join();
            }
            default -> throw new IllegalArgumentException("role must be aggregator or worker");
        }
    }

    /** The aggregator settings every fault test uses: fast emission, small commit interval, one stream thread. */
    static AggregatorConfig.Builder aggregatorConfig(
            String bootstrap, String registry, String app, Path state, int partitions) {
        return aggregatorConfig(bootstrap, registry, app, state, partitions, k -> k);
    }

    /** As {@link #aggregatorConfig(String, String, String, Path, int)}, with further Kafka settings. */
    static AggregatorConfig.Builder aggregatorConfig(
            String bootstrap,
            String registry,
            String app,
            Path state,
            int partitions,
            UnaryOperator<KafkaServiceConfig.Builder> kafka) {
        KafkaServiceConfig.Builder k = AggregatorConfig.kafkaBuilder()
                .setBootstrapServers(bootstrap)
                .optSchemaRegistryUrl(registry)
                .optPartitions(partitions)
                .optKafkaConfig("commit.interval.ms", 100)
                .optKafkaConfig("statestore.cache.max.bytes", 0)
                .optKafkaConfig("num.stream.threads", 1);
        return AggregatorConfig.builder()
                .setKafka(kafka.apply(k).build())
                .optApplicationId(app)
                .optStateDir(state)
                .optHttpPort(0)
                .optEmitEverySamples(0)
                .optEmitIntervalMs(200)
                .optModelEmitIntervalMs(200);
    }

    /** A worker serving stories260K as {@code model}, two samples per chunk. */
    static WorkerConfig.Builder workerConfig(String bootstrap, String registry, String workerId, String model) {
        return workerConfig(bootstrap, registry, workerId, model, k -> k);
    }

    /** As {@link #workerConfig(String, String, String, String)}, with further Kafka settings. */
    static WorkerConfig.Builder workerConfig(
            String bootstrap,
            String registry,
            String workerId,
            String model,
            UnaryOperator<KafkaServiceConfig.Builder> kafka) {
        KafkaServiceConfig.Builder k =
                WorkerConfig.kafkaBuilder().setBootstrapServers(bootstrap).optSchemaRegistryUrl(registry);
        return WorkerConfig.builder()
                .setKafka(kafka.apply(k).build())
                .setModels(Stories.catalog(model))
                .optWorkerId(workerId)
                .optChunkSize(2)
                .optPollTimeout(Duration.ofMillis(100))
                .optRetryBackoff(Duration.ofMillis(200))
                .optTransactionTimeoutMs(10_000);
    }

    /** A started child JVM and the URL it printed. */
    record Child(Process process, String url) {
        /** {@code kill -9}. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts a child JVM on this JVM's class path and waits (up to 120 s) for its READY line. */
    static Child start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Xmx384m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=1");
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.probeval");
        String shared = System.getProperty("probeval.shared");
        if (shared != null) {
            cmd.add("-Dprobeval.shared=" + shared);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServiceProcess.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("READY ")) {
                        String url = line.substring(6);
                        Thread t = new Thread(() -> drain(r), "child-stdout");
                        t.setDaemon(true);
                        t.start();
                        return url;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String url = ready.get(120, TimeUnit.SECONDS);
            if (url == null) {
                throw new IllegalStateException("child " + String.join(" ", args) + " exited before READY; see " + log);
            }
            return new Child(p, url);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("child " + String.join(" ", args) + " not READY: " + e + "; see " + log, e);
        }
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) {
                // discard
            }
        } catch (IOException e) {
            // the child is gone
        }
    }
}
