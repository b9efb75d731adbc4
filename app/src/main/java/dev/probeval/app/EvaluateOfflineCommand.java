package dev.probeval.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.probeval.lab.DataSplit;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.ModelStore;
import dev.probeval.lab.OfflineEvaluation;
import dev.probeval.lab.OfflineEvaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval evaluate-offline}: evaluates lab model versions on TOFU-mini's forget and retain questions
 * without Kafka: greedy and n sampled answers (plain and with adaptive temperature), ROUGE-L recall, SOUND bounds.
 * Prints one JSON document; {@code --results} also writes the summary in docs/unlearning-results.json's format.
 */
@Command(
        name = "evaluate-offline",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluate lab model versions offline: greedy and sampled ROUGE-L recall, SOUND bounds, hidden leaks.",
            "Sample i of prompt q is seeded from (base seed, request id lab/VERSION/SPLIT/IDX/plain|adaptive, i), "
                    + "exactly as the sampler worker seeds it."
        })
final class EvaluateOfflineCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Option(
            names = {"--model-version", "--model"},
            paramLabel = "VERSION",
            required = true,
            split = ",",
            description =
                    "Model version(s) to evaluate, repeatable or comma-separated: lab version names in the cache, "
                            + "small-GPT directories, or 'all' = every cached version.")
    List<String> models;

    @Mixin
    EngineOptions engine;

    @Mixin
    LabOptions lab;

    @Mixin
    TofuOptions data;

    @Option(
            names = {"-n", "--num-samples"},
            paramLabel = "N",
            defaultValue = "128",
            description = "Samples per prompt (default ${DEFAULT-VALUE}).")
    int n;

    /** The lab evaluation's own defaults: top-p 0.9, 256 new tokens. */
    @Mixin
    DecodingOptions decoding = new DecodingOptions(0.9, 256);

    @Mixin
    BoundsOptions.Alpha alpha;

    @Mixin
    BoundsOptions.LeakThreshold tau;

    /** Which decodings {@code --decoding} samples with. */
    enum Decoding {
        PLAIN(false),
        ADAPTIVE(true),
        BOTH(false, true);

        final List<Boolean> adaptive;

        Decoding(Boolean... adaptive) {
            this.adaptive = List.of(adaptive);
        }
    }

    @Option(
            names = "--decoding",
            paramLabel = "DECODING",
            defaultValue = "BOTH",
            description = "Sampling plain, with adaptive temperature, or both: ${COMPLETION-CANDIDATES} "
                    + "(default: ${DEFAULT-VALUE}; --adaptive-temperature alone means ADAPTIVE).")
    Decoding decodings;

    /** {@code --decoding}, or ADAPTIVE for {@code --adaptive-temperature} alone; the two must agree. */
    private Decoding decodings() {
        if (!decoding.adaptive) {
            return decodings;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--decoding") && decodings != Decoding.ADAPTIVE) {
            throw new UsageException("--adaptive-temperature samples with adaptive temperature only; it contradicts "
                    + "--decoding " + decodings);
        }
        return Decoding.ADAPTIVE;
    }

    @Option(names = "--splits", paramLabel = "forget,retain", split = ",", defaultValue = "forget,retain")
    List<String> splits;

    @Option(
            names = "--prompts",
            paramLabel = "K",
            defaultValue = "0",
            description = "Only the first K questions of each split (0 = all), for quick runs.")
    int prompts;

    @Option(names = "--scores", description = "Include every per-prompt score list in the output.")
    boolean scores;

    @Option(
            names = "--results",
            paramLabel = "FILE",
            description = "Also write the summary array (docs/unlearning-results.json format) to FILE.")
    Path results;

    @Override
    public Integer call() throws IOException {
        OfflineEvaluator.Settings settings;
        try {
            settings = new OfflineEvaluator.Settings(
                    n,
                    decoding.temperature,
                    decoding.topP,
                    decoding.topK,
                    decoding.maxNewTokens,
                    alpha.value,
                    tau.value,
                    decoding.seed,
                    decoding.adaptiveThreshold);
            settings.decoding(true);
            settings.bounds();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (n < 1) {
            throw new UsageException("--num-samples must be >= 1, got " + n);
        }
        List<Boolean> modes = decodings().adaptive;
        for (String s : splits) {
            if (!s.equals("forget") && !s.equals("retain")) {
                throw new UsageException("--splits takes forget and/or retain, got '" + s + "'");
            }
        }
        LabConfig cfg;
        try {
            cfg = LabConfig.load(lab.config);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        DataSplit split = data.split(cfg, spec.commandLine().getErr());
        ModelStore store = new ModelStore(lab.cacheDir != null ? lab.cacheDir : ModelStore.defaultRoot());
        List<String> targets = new ArrayList<>();
        for (String m : models) {
            if (m.equals("all")) {
                targets.addAll(store.versions());
            } else {
                targets.add(m);
            }
        }
        List<Path> dirs = new ArrayList<>();
        for (String t : targets) {
            try {
                dirs.add(store.resolve(t));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UsageException("--model-version " + t + ": " + e.getReason());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        OfflineEvaluation eval = new OfflineEvaluation(
                new OfflineEvaluator(settings, engine.engine()), split, splits, prompts, scores, msg -> {
                    err.println("evaluate-offline: " + msg);
                    err.flush();
                });
        List<Map<String, Object>> docs = new ArrayList<>();
        List<Map<String, Object>> summaries = new ArrayList<>();
        for (Path dir : dirs) {
            for (boolean adaptive : modes) {
                OfflineEvaluation.Result r = eval.run(dir, adaptive);
                docs.add(r.full());
                summaries.add(r.summary());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(JSON.writeValueAsString(Map.of("settings", eval.settingsMap(), "results", docs)));
        out.flush();
        if (results != null) {
            Files.writeString(
                    results,
                    JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summaries) + "\n");
        }
        return 0;
    }
}
