package dev.probeval.lab;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.core.scoring.Rouge;
import dev.probeval.core.scoring.RougeScorer;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.backend.Engine;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.util.List;

/** Greedy answers and their ROUGE-L recall (TOFU's convention), for the training bar and training logs. */
final class Greedy {
    static final RougeScorer ROUGE_L_RECALL = new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.RECALL);

    private Greedy() {}

    /**
     * Greedy ROUGE-L recall of every pair's answer, in order, decoded on the default engine (the one the worker and
     * the demo sample with, so the lab's greedy numbers are the demo's).
     */
    static double[] scores(LanguageModel model, List<QaPair> pairs, int maxNewTokens) {
        return OfflineEvaluator.onEngine(model, Engine.DEFAULT, m -> scoresOn(m, pairs, maxNewTokens));
    }

    private static double[] scoresOn(LanguageModel model, List<QaPair> pairs, int maxNewTokens) {
        SamplingEngine engine = new SamplingEngine(model);
        DecodingParams greedy = DecodingParams.greedy(maxNewTokens);
        List<SamplingEngine.Row> row = List.of(new SamplingEngine.Row(SampleIds.GREEDY_INDEX, 0L, true));
        double[] out = new double[pairs.size()];
        for (int i = 0; i < out.length; i++) {
            Sample s = engine.generate(pairs.get(i).prompt(), greedy, row).get(0);
            out[i] = ROUGE_L_RECALL.score(s.text(), pairs.get(i).answer());
        }
        return out;
    }

    static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return xs.length == 0 ? Double.NaN : s / xs.length;
    }
}
