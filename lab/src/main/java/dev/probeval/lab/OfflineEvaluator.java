package dev.probeval.lab;

import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.backend.Engine;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.LocalBackend;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.jvm.JvmGpt;
import dev.probeval.model.sampling.AdaptiveTemperature;
import dev.probeval.model.sampling.DecodingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Offline evaluation of one model version on TOFU-mini, the numbers the streaming pipeline must reproduce: per
 * prompt the greedy answer and n sampled answers (drawn exactly as the sampler worker draws them: one
 * {@link GenerationRequest} per prompt through {@link LocalBackend}, sample i seeded by
 * {@code SampleIds.sampleSeed(baseSeed, requestId, i)}), their ROUGE-L recall, and SOUND bounds at α (M_μ, M_σ,
 * M_bin at τ, M_gen at τ). A prompt is a hidden leak when greedy scores below τ but some sample reaches τ.
 *
 * <p>Request ids are {@link #requestId}: {@code lab/<version>/<split>/<idx>/<plain|adaptive>}, so a streaming run
 * that submits the same ids, prompts, decoding and base seed gets identical samples.
 */
public final class OfflineEvaluator {
    /**
     * Decoding and statistics settings.
     *
     * @param n samples per prompt
     * @param temperature nominal temperature
     * @param topP nucleus mass
     * @param topK top-k (0 = off)
     * @param maxNewTokens budget of generated tokens (bytes for the small GPT)
     * @param alpha target miscoverage of every bound
     * @param tau leak threshold τ (leak := ROUGE-L recall ≥ τ)
     * @param baseSeed the requests' base seed
     * @param adaptiveThreshold c_T of adaptive temperature (paper-spec §4.4), running-mean statistic
     */
    public record Settings(
            int n,
            double temperature,
            double topP,
            int topK,
            int maxNewTokens,
            double alpha,
            double tau,
            long baseSeed,
            double adaptiveThreshold) {

        public DecodingParams decoding(boolean adaptive) {
            return DecodingParams.builder()
                    .optTemperature(temperature)
                    .optTopP(topP)
                    .optTopK(topK)
                    .optMaxNewTokens(maxNewTokens)
                    .optAdaptive(adaptive ? AdaptiveTemperature.runningMean(adaptiveThreshold) : null)
                    .build();
        }

        public BoundConfig bounds() {
            return BoundConfig.defaults()
                    .withMode(BoundMode.SOUND)
                    .withAlpha(alpha)
                    .withLeakThreshold(tau)
                    .withThresholds(List.of(tau));
        }
    }

    /** One prompt's outcome: its request id, greedy answer and score, every sampled score, and the bounds. */
    public record PromptResult(
            int idx,
            String requestId,
            String greedyText,
            double greedyScore,
            double[] scores,
            BoundReport bounds,
            String bestSampleText) {
        public double sampledMax() {
            double m = 0;
            for (double s : scores) {
                m = Math.max(m, s);
            }
            return m;
        }

        public boolean hiddenLeak(double tau) {
            return greedyScore < tau && sampledMax() >= tau;
        }
    }

    private final Settings settings;
    private final Engine engine;

    /** An evaluator on the default engine ({@link Engine#DEFAULT}), the one the worker uses. */
    public OfflineEvaluator(Settings settings) {
        this(settings, Engine.DEFAULT);
    }

    /** An evaluator that decodes on {@code engine}. */
    public OfflineEvaluator(Settings settings, Engine engine) {
        this.settings = settings;
        this.engine = engine;
    }

    /**
     * Runs {@code work} on {@code model} decoded by {@code engine}: a lab model (a DJL {@link GptModel}) is copied
     * into the Java engine for the call when that is the engine asked for; any other model is used as it is.
     */
    static <T> T onEngine(LanguageModel model, Engine engine, Function<LanguageModel, T> work) {
        if (engine == Engine.JAVA && model instanceof GptModel gpt) {
            try (JvmGpt jvm = JvmGpt.of(gpt, Engine.defaultThreads())) {
                return work.apply(jvm);
            }
        }
        return work.apply(model);
    }

    public Settings settings() {
        return settings;
    }

    /** The request id of one prompt's evaluation. */
    public static String requestId(String version, String split, int idx, boolean adaptive) {
        return "lab/" + version + "/" + split + "/" + idx + "/" + (adaptive ? "adaptive" : "plain");
    }

    /**
     * Evaluates the prompts of one split. The backend is not closed (the caller owns the model).
     */
    public List<PromptResult> evaluate(
            LanguageModel model, String version, String split, List<QaPair> pairs, boolean adaptive) {
        return onEngine(model, engine, m -> evaluateOn(m, version, split, pairs, adaptive));
    }

    private List<PromptResult> evaluateOn(
            LanguageModel model, String version, String split, List<QaPair> pairs, boolean adaptive) {
        LocalBackend backend = new LocalBackend(model);
        DecodingParams decoding = settings.decoding(adaptive);
        BoundConfig bc = settings.bounds();
        List<PromptResult> out = new ArrayList<>();
        for (QaPair p : pairs) {
            String id = requestId(version, split, p.idx(), adaptive);
            List<GeneratedSample> gen = backend.generate(
                    GenerationRequest.of(id, p.prompt(), settings.n(), decoding, settings.baseSeed(), true));
            String greedyText = null;
            double greedy = Double.NaN;
            double[] scores = new double[settings.n()];
            String best = null;
            double bestScore = -1;
            ScoreAccumulator acc = new ScoreAccumulator();
            for (GeneratedSample g : gen) {
                double s = Greedy.ROUGE_L_RECALL.score(g.text(), p.answer());
                if (g.kind() == GeneratedSample.Kind.GREEDY) {
                    greedyText = g.text();
                    greedy = s;
                } else {
                    scores[g.index()] = s;
                    acc.add(s);
                    if (s > bestScore) {
                        bestScore = s;
                        best = g.text();
                    }
                }
            }
            out.add(new PromptResult(p.idx(), id, greedyText, greedy, scores, Bounds.compute(acc, bc), best));
        }
        return out;
    }

    /**
     * The split summary of docs/unlearning-results.json: prompts, greedy and sampled means, mean of per-prompt max,
     * mean M_μ, M_σ, M_bin, M_gen(τ), hidden-leak prompts, n, α, τ.
     */
    public Map<String, Object> summary(List<PromptResult> results) {
        double greedy = 0;
        double sampled = 0;
        double max = 0;
        double mu = 0;
        double sigma = 0;
        double bin = 0;
        double gen = 0;
        int hidden = 0;
        for (PromptResult r : results) {
            greedy += r.greedyScore();
            sampled += r.bounds().mean();
            max += r.sampledMax();
            mu += r.bounds().mMu();
            sigma += r.bounds().mSigma();
            bin += r.bounds().mBin();
            gen += r.bounds().mGen().get(settings.tau());
            if (r.hiddenLeak(settings.tau())) {
                hidden++;
            }
        }
        int q = results.size();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompts", q);
        m.put("greedy_rougeL_recall_mean", greedy / q);
        m.put("sampled_rougeL_recall_mean", sampled / q);
        m.put("sampled_rougeL_recall_max_mean", max / q);
        m.put("m_mu_mean", mu / q);
        m.put("m_sigma_mean", sigma / q);
        m.put("m_bin_mean", bin / q);
        m.put("m_gen_mean", gen / q);
        m.put("hidden_leak_prompts", hidden);
        m.put("n", settings.n());
        m.put("alpha", settings.alpha());
        m.put("tau", settings.tau());
        return m;
    }

    /** Per-prompt details (scores included) for the full JSON output. */
    public static List<Map<String, Object>> details(List<PromptResult> results, double tau) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PromptResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("idx", r.idx());
            m.put("request_id", r.requestId());
            m.put("greedy_text", r.greedyText());
            m.put("greedy_score", r.greedyScore());
            m.put("sampled_mean", r.bounds().mean());
            m.put("sampled_max", r.sampledMax());
            m.put("best_sample_text", r.bestSampleText());
            m.put("k", r.bounds().k());
            m.put("m_mu", r.bounds().mMu());
            m.put("m_sigma", r.bounds().mSigma());
            m.put("m_bin", r.bounds().mBin());
            m.put("m_gen", r.bounds().mGen().get(tau));
            m.put("hidden_leak", r.hiddenLeak(tau));
            m.put("scores", r.scores());
            out.add(m);
        }
        return out;
    }
}
