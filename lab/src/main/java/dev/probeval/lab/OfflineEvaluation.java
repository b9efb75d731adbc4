package dev.probeval.lab;

import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs an {@link OfflineEvaluator} over a model directory and the chosen TOFU-mini splits and shapes the outcome:
 * the summary object of {@code docs/unlearning-results.json} ({@code version, method, entropy,
 * adaptive_temperature, step, forget{…}, retain{…}}) and a full document with per-prompt details.
 */
public final class OfflineEvaluation {
    private final OfflineEvaluator evaluator;
    private final DataSplit split;
    private final List<String> splits;
    private final int maxPrompts;
    private final boolean withScores;
    private final Consumer<String> progress;

    /**
     * @param splits which of {@code forget}, {@code retain} to evaluate
     * @param maxPrompts only the first K questions of each split (0 = all)
     * @param withScores whether the full document keeps every per-prompt score list
     */
    public OfflineEvaluation(
            OfflineEvaluator evaluator,
            DataSplit split,
            List<String> splits,
            int maxPrompts,
            boolean withScores,
            Consumer<String> progress) {
        this.evaluator = evaluator;
        this.split = split;
        this.splits = List.copyOf(splits);
        this.maxPrompts = maxPrompts;
        this.withScores = withScores;
        this.progress = progress;
    }

    /** The outcome for one model and decoding: summary and full document. */
    public record Result(Map<String, Object> summary, Map<String, Object> full) {}

    /** Settings as printed with every evaluation. */
    public Map<String, Object> settingsMap() {
        OfflineEvaluator.Settings s = evaluator.settings();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", s.n());
        m.put("temperature", s.temperature());
        m.put("top_p", s.topP());
        m.put("top_k", s.topK());
        m.put("max_new_tokens", s.maxNewTokens());
        m.put("alpha", s.alpha());
        m.put("tau", s.tau());
        m.put("bound_mode", "sound");
        m.put("base_seed", s.baseSeed());
        m.put("adaptive_threshold", s.adaptiveThreshold());
        m.put("adaptive_statistic", "RUNNING_MEAN");
        m.put("score", "rougeL_recall");
        m.put("request_id", "lab/<version>/<split>/<idx>/<plain|adaptive>");
        m.put("split_hash", split.hash());
        return m;
    }

    /** Evaluates the model in {@code dir}. */
    @SuppressWarnings("unchecked")
    public Result run(Path dir, boolean adaptive) throws IOException {
        try (GptModel model = GptModel.load(dir, ai.djl.Device.cpu())) {
            Map<String, Object> lab =
                    model.provenance().get("lab") instanceof Map<?, ?> l ? (Map<String, Object>) l : Map.of();
            String version =
                    String.valueOf(lab.getOrDefault("version", dir.getFileName().toString()));
            Object hash = lab.get("splitHash");
            if (hash != null && !hash.equals(split.hash())) {
                progress.accept(
                        "warning: " + version + " was trained on split " + hash + ", evaluating on " + split.hash());
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("version", version);
            summary.put("method", lab.getOrDefault("method", "unknown"));
            summary.put("entropy", lab.getOrDefault("entropy", false));
            summary.put("adaptive_temperature", adaptive);
            summary.put("step", lab.getOrDefault("step", 0));
            Map<String, Object> full = new LinkedHashMap<>(summary);
            full.put("model_dir", dir.toAbsolutePath().toString());
            for (String s : splits) {
                List<QaPair> pairs = s.equals("forget") ? split.forget() : split.retain();
                if (maxPrompts > 0 && pairs.size() > maxPrompts) {
                    pairs = pairs.subList(0, maxPrompts);
                }
                long t0 = System.nanoTime();
                List<OfflineEvaluator.PromptResult> results = evaluator.evaluate(model, version, s, pairs, adaptive);
                Map<String, Object> sm = evaluator.summary(results);
                summary.put(s, sm);
                Map<String, Object> fm = new LinkedHashMap<>(sm);
                List<Map<String, Object>> details =
                        OfflineEvaluator.details(results, evaluator.settings().tau());
                if (!withScores) {
                    details.forEach(d -> d.remove("scores"));
                }
                fm.put("per_prompt", details);
                full.put(s, fm);
                progress.accept(String.format(
                        "%s %s %s: greedy %.3f, sampled mean %.3f, max %.3f, M_bin %.3f, " + "hidden leaks %s (%.0f s)",
                        version,
                        adaptive ? "adaptive" : "plain",
                        s,
                        (double) sm.get("greedy_rougeL_recall_mean"),
                        (double) sm.get("sampled_rougeL_recall_mean"),
                        (double) sm.get("sampled_rougeL_recall_max_mean"),
                        (double) sm.get("m_bin_mean"),
                        sm.get("hidden_leak_prompts"),
                        (System.nanoTime() - t0) / 1e9));
            }
            return new Result(summary, full);
        }
    }
}
