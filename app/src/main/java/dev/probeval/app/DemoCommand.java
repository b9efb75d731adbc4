package dev.probeval.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import dev.probeval.lab.DataSplit;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.ModelStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval demo}: the whole pipeline in one process on the embedded default (see {@link Demo}), with progress
 * bars, the final greedy-vs-probabilistic table and the lm-evaluation-harness-shaped exports.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the end-to-end demo in this process: embedded Kafka broker, schema registry, aggregator",
            "(REST and dashboard on --port) and a sampler worker; trains the lab's model versions on first run;",
            "submits the TOFU-mini forget and retain evaluations of every version; shows progress; prints the",
            "table greedy vs. probabilistic and writes results.json and samples.jsonl to --output-dir.",
            "Ctrl-C stops everything cleanly; --exit stops once every request is FINAL."
        })
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** --quick's lab: a small GPT that trains in seconds, GA only (the lab's lab-quick.json). */
    static final String QUICK_LAB = LabConfig.quickJson();

    @Spec
    CommandSpec spec;

    @Option(
            names = "--output-dir",
            paramLabel = "DIR",
            defaultValue = "probeval-demo-out",
            description = "Where results.json and samples.jsonl go (default: ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(
            names = {"--port", "--http-port"},
            paramLabel = "PORT",
            defaultValue = "8080",
            description = "Port of the aggregator's REST API and dashboard on 127.0.0.1; 0 picks a free one "
                    + "(default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--exit", description = "Stop once every request is FINAL (default: keep serving until Ctrl-C).")
    boolean exit;

    @Option(
            names = "--quick",
            description =
                    "Reduced run: a tiny lab (own cache), 3 versions, 3 prompts per split, " + "n = 8, 48 new tokens.")
    boolean quick;

    @Option(
            names = {"--model-version", "--versions"},
            paramLabel = "VERSION",
            split = ",",
            description =
                    "Model version(s) to evaluate, repeatable or comma-separated (default: base, retain-only and each method's last checkpoint "
                            + "with and without entropy).")
    List<String> versions;

    @Option(
            names = {"-n", "--num-samples"},
            paramLabel = "N",
            description = "Samples per prompt (default 128, the paper's n; --quick 8).")
    Integer n;

    @Option(
            names = "--prompts",
            paramLabel = "K",
            description = "First K questions of each split; 0 = every forget question and as many retain questions "
                    + "(default 0; --quick 3).")
    Integer prompts;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "M",
            description = "New tokens (bytes) per answer (default 128; --quick 48).")
    Integer maxNewTokens;

    @Mixin
    EngineOptions engine;

    @Mixin
    BoundsOptions.Alpha alpha;

    @Mixin
    LabOptions lab;

    @Mixin
    TofuOptions data;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Broker data directory (default: a temporary directory removed at exit).")
    Path dataDir;

    @Option(
            names = "--no-sample-texts",
            description = "Do not log generated texts (samples.jsonl then has scores only).")
    boolean noSampleTexts;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Cli.requireFreePort("127.0.0.1", port, "--port");
        LabConfig cfg;
        try {
            if (lab.config != null) {
                cfg = LabConfig.load(lab.config);
            } else if (quick) {
                Path f = Files.createTempFile("probeval-quick-lab", ".json");
                Files.writeString(f, QUICK_LAB);
                cfg = LabConfig.load(f);
                Files.deleteIfExists(f);
            } else {
                cfg = LabConfig.defaults();
            }
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        Path cache = lab.cacheDir != null
                ? lab.cacheDir
                : quick ? ModelStore.defaultRoot().resolveSibling("lab-quick") : ModelStore.defaultRoot();
        List<String> vs = versions != null ? versions : Demo.defaultVersions(cfg);
        if (quick && versions == null) {
            vs = vs.subList(0, Math.min(3, vs.size()));
        }
        int nn = n != null ? n : quick ? 8 : 128;
        int k = prompts != null ? prompts : quick ? 3 : 0;
        int m = maxNewTokens != null ? maxNewTokens : quick ? 48 : 128;
        if (nn < 1 || k < 0 || m < 1 || !(alpha.value > 0 && alpha.value <= 0.5)) {
            throw new UsageException("need -n >= 1, --prompts >= 0, --max-new-tokens >= 1, --alpha in (0, 0.5]");
        }
        Demo.Settings settings = new Demo.Settings(
                cfg,
                cache,
                List.copyOf(vs),
                k,
                nn,
                m,
                0.9,
                alpha.value,
                0.5,
                port,
                dataDir,
                !noSampleTexts,
                engine.engine());
        long t0 = System.nanoTime();
        Demo demo = new Demo(settings, err);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    err.println("probeval demo: stopping");
                    err.flush();
                    demo.close();
                    stopped.countDown();
                },
                "probeval-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            DataSplit split = demo.ensureLab(data.split(cfg, err));
            if (versions == null) {
                List<String> chosen = Demo.firstForgottenVersions(cfg, new ModelStore(cache), settings.tau());
                demo.evaluate(quick ? chosen.subList(0, Math.min(3, chosen.size())) : chosen);
                err.println("probeval demo: evaluating " + String.join(", ", demo.evaluated())
                        + " (each unlearning run at its first checkpoint where greedy says forgotten)");
            }
            demo.start();
            err.println("probeval demo: dashboard and REST API at " + demo.dashboardUrl() + " (e.g. "
                    + demo.dashboardUrl() + "api/v1/models)");
            List<String> ids = demo.submit(split);
            err.println("probeval demo: submitted " + ids.size() + " requests ("
                    + demo.evaluated().size() + " versions x forget/retain, n = " + nn + ")");
            err.flush();
            Progress progress = new Progress(err, System.console() != null, demo.evaluated());
            while (!demo.allFinal()) {
                progress.show(demo);
                Thread.sleep(500);
            }
            progress.show(demo);
            progress.finish();
            List<String> disagree = demo.restDisagreements();
            err.println("probeval demo: REST API and prompt-bounds topic "
                    + (disagree.isEmpty() ? "agree on all " + ids.size() + " requests" : "DISAGREE on " + disagree));
            err.flush();
            Map<String, Map<String, Object>> summary = demo.summary();
            printTable(out, summary);
            out.println();
            out.println("What this says:");
            for (String line : demo.findings()) {
                out.println("  " + line);
            }
            String leakiest = demo.mostHiddenLeaks();
            if (leakiest != null) {
                out.println("  Most hidden leaks: " + leakiest + " — " + demo.dashboardUrl() + "?version="
                        + java.net.URLEncoder.encode(leakiest, java.nio.charset.StandardCharsets.UTF_8));
            }
            Files.createDirectories(outputDir);
            writeResults(outputDir.resolve("results.json"), settings, summary);
            writeSamples(outputDir.resolve("samples.jsonl"), demo);
            out.printf(
                    "probeval demo: wrote %s and %s (%.0f s)%n",
                    outputDir.resolve("results.json"),
                    outputDir.resolve("samples.jsonl"),
                    (System.nanoTime() - t0) / 1e9);
            out.flush();
            if (!exit) {
                err.println("probeval demo: all requests FINAL; still serving " + demo.dashboardUrl()
                        + " (submit more with ./probeval produce --bootstrap-servers ...); Ctrl-C to stop");
                err.flush();
                stopped.await();
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                demo.close();
            } catch (IllegalStateException e) {
                // already shutting down: the hook closes the demo
            }
        }
        return 0;
    }

    /** Per-version progress: bars redrawn in place on a terminal, plain lines every few seconds otherwise. */
    static final class Progress {
        private final PrintWriter err;
        private final boolean tty;
        private final List<String> versions;
        private final long start = System.nanoTime();
        private final Map<String, Long> printed = new LinkedHashMap<>();
        private long lastPlain;
        private boolean drawn;

        Progress(PrintWriter err, boolean tty, List<String> versions) {
            this.err = err;
            this.tty = tty;
            this.versions = versions;
        }

        void show(Demo demo) {
            double secs = (System.nanoTime() - start) / 1e9;
            if (tty) {
                if (drawn) {
                    err.print("\033[" + versions.size() + "A");
                }
                for (String v : versions) {
                    long[] p = demo.progress(v);
                    err.print("\r\033[K" + line(v, p, secs, true) + "\n");
                }
                drawn = true;
                err.flush();
                return;
            }
            if (System.nanoTime() - lastPlain < 5_000_000_000L) {
                return;
            }
            lastPlain = System.nanoTime();
            for (String v : versions) {
                long[] p = demo.progress(v);
                if (!Long.valueOf(p[0]).equals(printed.get(v))) {
                    printed.put(v, p[0]);
                    err.println("probeval demo: " + line(v, p, secs, false));
                }
            }
            err.flush();
        }

        void finish() {
            err.flush();
        }

        private static String line(String v, long[] p, double secs, boolean bar) {
            double frac = p[1] == 0 ? 1 : (double) p[0] / p[1];
            double rate = p[0] / Math.max(secs, 1e-9);
            String eta = p[0] >= p[1] ? "done" : rate > 0 ? String.format("ETA %.0f s", (p[1] - p[0]) / rate) : "ETA ?";
            String b = "";
            if (bar) {
                int w = 24;
                int f = (int) Math.round(frac * w);
                b = "[" + "#".repeat(f) + "-".repeat(w - f) + "] ";
            }
            return String.format("%-14s %s%d/%d samples %.1f/s %s", v, b, p[0], p[1], rate, eta);
        }
    }

    private static void printTable(PrintWriter out, Map<String, Map<String, Object>> summary) {
        out.println();
        out.printf(
                "%-14s %-7s %7s %8s %8s %7s %7s %7s%n",
                "version", "split", "greedy", "sampled", "max-smp", "M_mu", "M_bin", "hidden");
        summary.forEach((key, m) -> {
            String[] vs = key.split("/", 2);
            out.printf(
                    "%-14s %-7s %7.3f %8.3f %8.3f %7.3f %7.3f %7s%n",
                    vs[0],
                    vs[1],
                    (double) m.get("greedy_rougeL_recall_mean"),
                    (double) m.get("sampled_rougeL_recall_mean"),
                    (double) m.get("sampled_rougeL_recall_max_mean"),
                    (double) m.get("m_mu_mean"),
                    (double) m.get("m_bin_mean"),
                    m.get("hidden_leak_prompts") + "/" + m.get("prompts"));
        });
        Object alphaUsed =
                summary.values().stream().findFirst().map(m -> m.get("alpha")).orElse("?");
        out.println("greedy = mean ROUGE-L recall of the greedy answer; sampled = mean over n samples; max-smp = mean "
                + "per-prompt max; M_mu, M_bin = mean upper bounds (alpha = " + alphaUsed
                + ", tau = 0.5); hidden = prompts "
                + "whose greedy answer is below tau while some sample leaks.");
        out.flush();
    }

    /** lm-evaluation-harness-shaped results: per task (version/split) "metric,filter" keys, configs and versions. */
    static void writeResults(Path file, Demo.Settings s, Map<String, Map<String, Object>> summary) throws IOException {
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> configs = new LinkedHashMap<>();
        Map<String, Object> nSamples = new LinkedHashMap<>();
        Map<String, Object> taskVersions = new LinkedHashMap<>();
        summary.forEach((task, m) -> {
            String[] vs = task.split("/", 2);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("alias", task);
            r.put("model_version", vs[0]);
            r.put("split", vs[1]);
            m.forEach((key, value) -> {
                if (key.equals("n") || key.equals("alpha") || key.equals("tau") || key.equals("prompts")) {
                    r.put(key, value);
                } else {
                    r.put(key + ",none", value);
                }
            });
            results.put(task, r);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("task", task);
            c.put("dataset", "TOFU-mini (" + Demo.SUITE + ")");
            c.put("output_type", "generate_until");
            c.put("doc_to_text", "Question: {{question}}\nAnswer: ");
            c.put("doc_to_target", "{{answer}}");
            c.put("num_fewshot", 0);
            c.put("repeats", s.n());
            c.put(
                    "generation_kwargs",
                    Map.of(
                            "do_sample",
                            true,
                            "temperature",
                            1.0,
                            "top_p",
                            s.topP(),
                            "top_k",
                            0,
                            "max_gen_toks",
                            s.maxNewTokens(),
                            "seed",
                            0));
            c.put(
                    "metric_list",
                    List.of(Map.of("metric", "rougeL_recall", "aggregation", "mean", "higher_is_better", false)));
            c.put(
                    "bounds",
                    Map.of(
                            "mode",
                            "SOUND",
                            "alpha",
                            s.alpha(),
                            "leak_threshold",
                            s.tau(),
                            "note",
                            "m_mu, m_sigma, m_bin, m_gen are upper bounds holding with probability >= 1 - alpha per prompt"));
            configs.put(task, c);
            nSamples.put(task, Map.of("original", m.get("prompts"), "effective", m.get("prompts")));
            taskVersions.put(task, 1);
        });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("results", results);
        doc.put("configs", configs);
        doc.put("versions", taskVersions);
        doc.put("n-samples", nSamples);
        doc.put(
                "config",
                Map.of(
                        "model",
                        "probeval-lab-gpt",
                        "model_args",
                        "cache=" + s.labCache(),
                        "versions",
                        s.versions(),
                        "request_id",
                        "lab/<version>/<split>/<idx>/plain",
                        "base_seed",
                        0));
        doc.put("date", Instant.now().getEpochSecond());
        Files.writeString(
                file, JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
    }

    /** One line per scored sample (greedy first), ordered by version, split, doc id and sample index. */
    static void writeSamples(Path file, Demo demo) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Demo.Entry e : demo.entries()) {
                Map<Integer, ScoredSample> got = demo.samples().get(e.request().getRequestId());
                PromptBounds b = demo.bounds().get(e.request().getRequestId());
                List<Integer> idx = new ArrayList<>(got.keySet());
                idx.sort(null);
                for (int i : idx) {
                    ScoredSample x = got.get(i);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("doc_id", e.pair().idx());
                    m.put("task", e.version() + "/" + e.split());
                    m.put("model_version", e.version());
                    m.put("request_id", e.request().getRequestId());
                    m.put("sample_index", i);
                    m.put("kind", Demo.isGreedy(x) ? "greedy" : "sampled");
                    m.put(
                            "doc",
                            Map.of(
                                    "question",
                                    e.pair().question(),
                                    "answer",
                                    e.pair().answer()));
                    m.put("prompt", e.request().getPrompt());
                    m.put("target", e.pair().answer());
                    if (x.getText() != null) {
                        m.put("resps", List.of(x.getText()));
                    }
                    m.put("rougeL_recall", x.getScore());
                    m.put("leaked", x.getLeaked());
                    m.put("prompt_m_mu", b.getMMu());
                    m.put("prompt_m_bin", b.getMBin());
                    w.write(JSON.writeValueAsString(m));
                    w.newLine();
                }
            }
        }
    }
}
