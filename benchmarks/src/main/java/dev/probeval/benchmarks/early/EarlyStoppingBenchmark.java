package dev.probeval.benchmarks.early;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.probeval.core.bounds.ClopperPearson;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.core.scoring.Rouge;
import dev.probeval.core.scoring.RougeScorer;
import dev.probeval.lab.DataSplit;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.LabData;
import dev.probeval.lab.ModelStore;
import dev.probeval.lab.OfflineEvaluator;
import dev.probeval.lab.QaPair;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.LocalBackend;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.sampling.DecodingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * For each lab version and split (forget, retain), each prompt: draws the full stream of {@code cap} samples the
 * way the worker does (one generation request, sample i seeded by (request id, i), greedy baseline first), scores it
 * with ROUGE-L recall, then replays the early-stopping rule on it: since samples are deterministic per (request id,
 * index), the early-stopped stream is exactly the prefix up to the first checkpoint where the rule decides. Compares
 * the decision with the fixed-n one at n = cap (one-sided Clopper–Pearson ends at α: below if the upper end is
 * under the threshold, above if the lower end is over it, else undecided). For the versions named in
 * {@code --real}, it also draws the early-stopped stream for real, chunk by chunk on the worker's checkpoints,
 * stopping at the decision, and times it against the full stream (and checks it equals the prefix).
 *
 * <p>Arguments: {@code --versions v1,v2,... | all} {@code --real v1,...} {@code --cap 512} {@code --chunk 32}
 * {@code --alpha 0.01} {@code --threshold 0.05} {@code --tau 0.5} {@code --out FILE.json}.
 */
public final class EarlyStoppingBenchmark {
    private static final RougeScorer ROUGE = new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.RECALL);

    private EarlyStoppingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int cap = Integer.parseInt(a.getOrDefault("cap", "512"));
        int chunk = Integer.parseInt(a.getOrDefault("chunk", "32"));
        double alpha = Double.parseDouble(a.getOrDefault("alpha", "0.01"));
        double threshold = Double.parseDouble(a.getOrDefault("threshold", "0.05"));
        double tau = Double.parseDouble(a.getOrDefault("tau", "0.5"));
        ModelStore store = new ModelStore(ModelStore.defaultRoot());
        List<String> versions = a.getOrDefault("versions", "all").equals("all")
                ? store.versions()
                : List.of(a.get("versions").split(","));
        List<String> real = a.containsKey("real") ? List.of(a.get("real").split(",")) : List.of();
        DataSplit split = LabData.split(LabConfig.defaults());
        OfflineEvaluator.Settings settings = new OfflineEvaluator.Settings(cap, 1.0, 0.9, 0, 256, alpha, tau, 0L, 0.9);
        DecodingParams decoding = settings.decoding(false);
        EarlyStopping.Rule rule =
                new EarlyStopping.Rule(EarlyStopping.Metric.M_BIN, tau, threshold, EarlyStopping.Decide.EITHER, 1);
        EarlyStopping stopping = new EarlyStopping(rule, alpha, cap, 1);
        List<Integer> checkpoints = EarlyStopping.checkpoints(cap, chunk);

        List<Map<String, Object>> rows = new ArrayList<>();
        long totalFixed = 0;
        long totalEarly = 0;
        for (String version : versions) {
            try (GptModel model = GptModel.load(store.resolve(version), ai.djl.Device.cpu())) {
                LocalBackend backend = new LocalBackend(model);
                for (String s : List.of("forget", "retain")) {
                    List<QaPair> pairs = s.equals("forget") ? split.forget() : split.retain();
                    int decided = 0;
                    int agreeDecided = 0;
                    int fixedDecided = 0;
                    int conflicts = 0;
                    long fixedSamples = 0;
                    long earlySamples = 0;
                    double fullSeconds = 0;
                    double realSeconds = 0;
                    double realFullSeconds = 0;
                    boolean prefixOk = true;
                    for (QaPair p : pairs) {
                        String id = OfflineEvaluator.requestId(version, s, p.idx(), false);
                        long t0 = System.nanoTime();
                        List<GeneratedSample> gen =
                                backend.generate(GenerationRequest.of(id, p.prompt(), cap, decoding, 0L, true));
                        double full = (System.nanoTime() - t0) / 1e9;
                        fullSeconds += full;
                        double[] scores = new double[cap];
                        for (GeneratedSample g : gen) {
                            if (g.kind() == GeneratedSample.Kind.SAMPLED) {
                                scores[g.index()] = ROUGE.score(g.text(), p.answer());
                            }
                        }
                        // replay the rule on the prefix
                        EarlyStopping.Tally tally = new EarlyStopping.Tally();
                        EarlyStopping.Decision d = EarlyStopping.Decision.CONTINUE;
                        int stopAt = cap;
                        int at = 0;
                        for (int end : checkpoints) {
                            for (; at < end; at++) {
                                tally.add(scores[at], rule);
                            }
                            d = stopping.decide(tally);
                            if (d != EarlyStopping.Decision.CONTINUE) {
                                stopAt = end;
                                break;
                            }
                        }
                        long k = 0;
                        for (double x : scores) {
                            k += x >= tau ? 1 : 0;
                        }
                        double[] cp = ClopperPearson.interval(k, cap, alpha, alpha);
                        String fixed =
                                cp[1] < threshold ? "DECIDED_BELOW" : cp[0] > threshold ? "DECIDED_ABOVE" : "UNDECIDED";
                        fixedSamples += cap;
                        earlySamples += stopAt;
                        boolean isDecided = d != EarlyStopping.Decision.CONTINUE;
                        decided += isDecided ? 1 : 0;
                        fixedDecided += fixed.equals("UNDECIDED") ? 0 : 1;
                        if (isDecided && !fixed.equals("UNDECIDED")) {
                            if (fixed.equals(d.name())) {
                                agreeDecided++;
                            } else {
                                conflicts++;
                            }
                        }
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("version", version);
                        row.put("split", s);
                        row.put("idx", p.idx());
                        row.put("k_at_cap", k);
                        row.put("early_decision", isDecided ? d.name() : "UNDECIDED_AT_CAP");
                        row.put("stopped_at", stopAt);
                        row.put("fixed_decision", fixed);
                        row.put("full_stream_seconds", full);
                        if (real.contains(version)) {
                            // the real early-stopped run: chunk by chunk on the worker's checkpoints, stop when decided
                            long r0 = System.nanoTime();
                            EarlyStopping.Tally t = new EarlyStopping.Tally();
                            int first = 0;
                            int realStop = cap;
                            for (int end : checkpoints) {
                                List<GeneratedSample> c = backend.generate(new GenerationRequest(
                                        id, p.prompt(), first, end - first, decoding, 0L, first == 0));
                                for (GeneratedSample g : c) {
                                    if (g.kind() == GeneratedSample.Kind.SAMPLED) {
                                        double x = ROUGE.score(g.text(), p.answer());
                                        prefixOk &= x == scores[g.index()];
                                        t.add(x, rule);
                                    }
                                }
                                first = end;
                                if (stopping.decide(t) != EarlyStopping.Decision.CONTINUE) {
                                    realStop = end;
                                    break;
                                }
                            }
                            double secs = (System.nanoTime() - r0) / 1e9;
                            prefixOk &= realStop == stopAt;
                            realSeconds += secs;
                            realFullSeconds += full;
                            row.put("early_stopped_run_seconds", secs);
                        }
                        rows.add(row);
                    }
                    totalFixed += fixedSamples;
                    totalEarly += earlySamples;
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %s | %d | %d | %d | %.2fx | %d/%d | %d/%d agree, %d conflict | "
                                    + "%.0f s | %s |%n",
                            version,
                            s,
                            pairs.size(),
                            fixedSamples,
                            earlySamples,
                            (double) fixedSamples / earlySamples,
                            decided,
                            pairs.size(),
                            agreeDecided,
                            fixedDecided,
                            conflicts,
                            fullSeconds,
                            real.contains(version)
                                    ? String.format(
                                            Locale.ROOT,
                                            "%.0f s vs %.0f s (%.2fx)%s",
                                            realSeconds,
                                            realFullSeconds,
                                            realFullSeconds / realSeconds,
                                            prefixOk ? "" : " PREFIX MISMATCH")
                                    : "-");
                    System.out.flush();
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "| **all** | | | %d | %d | **%.2fx** | | | | |%n",
                totalFixed,
                totalEarly,
                (double) totalFixed / totalEarly);
        if (a.containsKey("out")) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put(
                    "settings",
                    Map.of(
                            "cap",
                            cap,
                            "chunk",
                            chunk,
                            "alpha",
                            alpha,
                            "threshold",
                            threshold,
                            "tau",
                            tau,
                            "rule",
                            "M_BIN at tau vs threshold, EITHER (each end at alpha/2)",
                            "top_p",
                            0.9,
                            "temperature",
                            1.0,
                            "max_new_tokens",
                            256));
            doc.put("samples_fixed", totalFixed);
            doc.put("samples_early", totalEarly);
            doc.put("prompts", rows);
            Files.writeString(
                    Path.of(a.get("out")),
                    new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(doc));
        }
    }
}
