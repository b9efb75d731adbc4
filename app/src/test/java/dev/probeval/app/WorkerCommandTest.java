package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code probeval worker}: usage errors (exit 2, one line) before any connection; the options reach the config. */
class WorkerCommandTest {
    @TempDir
    Path dir;

    /** A placeholder llama2.c checkpoint with its vocabulary beside it: the command checks files, it opens none. */
    private Path model() throws IOException {
        Path m = dir.resolve("m.bin");
        Files.writeString(m, "x");
        Files.writeString(dir.resolve("tokenizer.bin"), "x");
        return m;
    }

    @Test
    void shouldRequireAModel() {
        CliResult r = CliResult.run("worker");
        assertEquals(2, r.code());
        assertEquals(
                "probeval worker: no model configured: pass --model VERSION=PATH[,tokenizer=PATH] or --models-file",
                r.errLine());
    }

    @Test
    void shouldNameAMissingModelOrTokenizerPath() throws IOException {
        CliResult r = CliResult.run("worker", "--model", "v1=" + dir.resolve("nope.bin"));
        assertEquals(2, r.code());
        assertEquals("probeval worker: model v1 at " + dir.resolve("nope.bin") + ": not found", r.errLine());
        CliResult t = CliResult.run("worker", "--model", "v1=" + model() + ",tokenizer=" + dir.resolve("t.bin"));
        assertEquals(2, t.code());
        assertTrue(t.errLine().contains("model v1 tokenizer " + dir.resolve("t.bin") + ": not found"), t.err());
    }

    @Test
    void modelMessagesShouldNameTheEntryAndNotSampleOptions() throws IOException {
        Path lone = Files.writeString(dir.resolve("lone.bin"), "x");
        CliResult r = CliResult.run("worker", "--model", "v1=" + lone);
        assertEquals(2, r.code());
        assertEquals(
                "probeval worker: model v1 at " + lone + ": missing the llama2.c checkpoint's vocabulary: no "
                        + "tokenizer.bin beside it and no tokenizer given",
                r.errLine());
        Path gpt = Files.createDirectory(dir.resolve("gpt"));
        Files.writeString(gpt.resolve("manifest.json"), "{}");
        Path tok = Files.writeString(dir.resolve("tok.bin"), "x");
        CliResult d = CliResult.run("worker", "--model", "v2=" + gpt + ",tokenizer=" + tok);
        assertEquals(2, d.code());
        assertEquals(
                "probeval worker: model v2 at " + gpt + ": a small-GPT directory carries its tokenizer; give none",
                d.errLine());
        assertTrue(!r.err().contains("--tokenizer") && !d.err().contains("--tokenizer"), "worker has no --tokenizer");
    }

    @Test
    void shouldRejectMalformedEntriesDuplicatesAndTurnBuilderRefusalsIntoUsageErrors() throws IOException {
        Path m = model();
        CliResult bad = CliResult.run("worker", "--model", "just-a-path");
        assertEquals(2, bad.code());
        assertEquals(
                "probeval worker: --model: model entry 'just-a-path' must read VERSION=PATH[,tokenizer=PATH]",
                bad.errLine());
        CliResult dup = CliResult.run("worker", "--model", "v=" + m, "--model", "v=" + m);
        assertEquals(2, dup.code());
        assertTrue(dup.errLine().contains("configured twice"), dup.err());
        CliResult chunk = CliResult.run("worker", "--model", "v=" + m, "--chunk-size", "0");
        assertEquals(2, chunk.code());
        assertEquals("probeval worker: --chunk-size: chunk size must be >= 1, got 0", chunk.errLine());
        CliResult metrics = CliResult.run("worker", "--model", "v=" + m, "--metrics-port", "70000");
        assertEquals(2, metrics.code());
        assertEquals("probeval worker: --metrics-port: metrics port must be in 0..65535, got 70000", metrics.errLine());
        CliResult id = CliResult.run("worker", "--model", "v=" + m, "--worker-id", "has space");
        assertEquals(2, id.code());
        assertTrue(id.errLine().startsWith("probeval worker: --worker-id: worker id must be non-empty"), id.err());
        CliResult url = CliResult.run("worker", "--model", "v=" + m, "--schema-registry-url", "mock://x");
        assertEquals(2, url.code());
        assertEquals("probeval worker: --schema-registry-url must be an http(s) URL, got mock://x", url.errLine());
    }

    @Test
    void modelsFileErrorsShouldNameTheLine() throws IOException {
        Path f = dir.resolve("models.conf");
        Files.writeString(f, "# ok\nv1=" + model() + "\nbroken\n");
        CliResult r = CliResult.run("worker", "--models-file", f.toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("line 3"), r.err());
        assertEquals(
                2,
                CliResult.run(
                                "worker",
                                "--models-file",
                                dir.resolve("missing.conf").toString())
                        .code());
    }

    @Test
    void endpointEntriesShouldReachTheCatalogAndTheirErrorsShouldBeUsageErrors() throws IOException {
        Path f = dir.resolve("models.txt");
        Files.writeString(
                f,
                "# local and served\nv1=" + model() + "\nqwen=http://vllm:8000/v1,model=qwen2.5,chat=true,"
                        + "maxConcurrency=16,timeout=120s\n");
        WorkerCommand cmd = new WorkerCommand();
        AtomicReference<WorkerConfig> seen = new AtomicReference<>();
        cmd.starter = config -> {
            seen.set(config);
            return new RunningService("fake worker up", () -> {}, CompletableFuture.completedFuture(null));
        };
        CliResult ok = CliResult.run(CliResult.with(WorkerCommand.class, cmd), "worker", "--models-file", f.toString());
        assertEquals(0, ok.code(), ok.err());
        var qwen = seen.get().catalog().find("qwen").orElseThrow();
        assertTrue(qwen.isHttp());
        assertEquals("qwen2.5", qwen.endpoint().model());
        assertEquals(16, qwen.endpoint().maxConcurrency());

        CliResult bad = CliResult.run("worker", "--model", "q=http://vllm:8000,timeout=soon");
        assertEquals(2, bad.code());
        assertTrue(bad.errLine().contains("model entry for q: endpoint option timeout"), bad.err());
        CliResult unset =
                CliResult.run("worker", "--model", "q=http://vllm:8000,apiKeyEnv=PROBEVAL_SURELY_UNSET_KEY_42");
        assertEquals(2, unset.code());
        assertEquals(
                "probeval worker: model q: environment variable PROBEVAL_SURELY_UNSET_KEY_42 (apiKeyEnv) is not set",
                unset.errLine());
    }

    @Test
    void anApiKeyOverPlainHttpToARemoteHostIsAUsageErrorUnlessExplicitlyAllowed() {
        // PATH is set in every environment: the key check passes, the transport check is what refuses
        CliResult r = CliResult.run("worker", "--model", "q=http://vllm:8000,apiKeyEnv=PATH");
        assertEquals(2, r.code());
        assertEquals(
                "probeval worker: model q: the API key ($PATH) would be sent over plain http to http://vllm:8000/v1; "
                        + "use https, a loopback address, or allow it explicitly (--allow-insecure-api-key)",
                r.errLine());

        WorkerCommand cmd = new WorkerCommand();
        AtomicReference<WorkerConfig> seen = new AtomicReference<>();
        cmd.starter = config -> {
            seen.set(config);
            return new RunningService("fake worker up", () -> {}, CompletableFuture.completedFuture(null));
        };
        CliResult allowed = CliResult.run(
                CliResult.with(WorkerCommand.class, cmd),
                "worker",
                "--model",
                "q=http://vllm:8000,apiKeyEnv=PATH",
                "--allow-insecure-api-key",
                "--shutdown-timeout",
                "5s");
        assertEquals(0, allowed.code(), allowed.err());
        assertTrue(seen.get().allowInsecureApiKey());
        assertEquals(java.time.Duration.ofSeconds(5), seen.get().shutdownTimeout());
        assertEquals(
                0,
                CliResult.run(
                                CliResult.with(WorkerCommand.class, cmd),
                                "worker",
                                "--model",
                                "q=https://vllm:8000,apiKeyEnv=PATH")
                        .code(),
                "https carries the key safely");
        assertEquals(WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT, seen.get().shutdownTimeout());

        CliResult timeout = CliResult.run("worker", "--model", "q=http://vllm:8000", "--shutdown-timeout", "0s");
        assertEquals(2, timeout.code());
        assertEquals(
                "probeval worker: --shutdown-timeout: shutdown timeout must be >= 1s, got PT0S", timeout.errLine());
    }

    @Test
    void kafkaConfigAndConnectionOptionsShouldReachTheWorkerConfig() throws IOException {
        WorkerCommand cmd = new WorkerCommand();
        AtomicReference<WorkerConfig> seen = new AtomicReference<>();
        cmd.starter = config -> {
            seen.set(config);
            return new RunningService("fake worker up", () -> {}, CompletableFuture.completedFuture(null));
        };
        CliResult r = CliResult.run(
                CliResult.with(WorkerCommand.class, cmd),
                "worker",
                "--model",
                "v=" + model(),
                "--bootstrap-servers",
                "k1:9093",
                "--schema-registry-url",
                "https://sr:8081",
                "--kafka-config",
                "security.protocol=SASL_SSL",
                "--kafka-config",
                "sasl.mechanism=PLAIN",
                "--partitions",
                "6",
                "--replication-factor",
                "3");
        assertEquals(0, r.code(), r.err());
        WorkerConfig c = seen.get();
        assertEquals("k1:9093", c.kafka().bootstrapServers());
        assertEquals("https://sr:8081", c.kafka().serdeConfig().get("schema.registry.url"));
        assertEquals("SASL_SSL", c.kafka().kafkaConfig().get("security.protocol"));
        assertEquals("PLAIN", c.kafka().kafkaConfig().get("sasl.mechanism"));
        assertEquals(6, c.kafka().partitions());
        assertTrue(c.kafka().createTopics());
        assertEquals(3, c.kafka().replicationFactor());

        AtomicReference<WorkerConfig> off = new AtomicReference<>();
        WorkerCommand noTopics = new WorkerCommand();
        noTopics.starter = config -> {
            off.set(config);
            return new RunningService("up", () -> {}, CompletableFuture.completedFuture(null));
        };
        CliResult n = CliResult.run(
                CliResult.with(WorkerCommand.class, noTopics),
                "worker",
                "--model",
                "v=" + model(),
                "--no-create-topics");
        assertEquals(0, n.code(), n.err());
        assertFalse(off.get().kafka().createTopics(), "--no-create-topics: the worker creates none");
    }

    @Test
    void shouldExitOneWhenTheWorkerLoopDies() throws IOException {
        WorkerCommand cmd = new WorkerCommand();
        CompletableFuture<Void> died = new CompletableFuture<>();
        died.completeExceptionally(new org.apache.kafka.common.errors.ProducerFencedException("fenced by w1"));
        cmd.starter = config -> new RunningService("up", () -> {}, died);
        CliResult r = CliResult.run(CliResult.with(WorkerCommand.class, cmd), "worker", "--model", "v=" + model());
        assertEquals(1, r.code());
        assertEquals("probeval worker: error: stopped: fenced by w1", r.errLine());
    }

    @Test
    void helpShouldExplainModelsAndScaling() {
        CliResult r = CliResult.run("worker", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--model=VERSION=PATH[,tokenizer=PATH]"), r.out());
        assertTrue(
                r.out().contains("--chunk-size")
                        && r.out().contains("--worker-id")
                        && r.out().contains("--metrics-port"),
                r.out());
    }
}
