package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.ModelLocation;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab end to end on a tiny configuration: train, unlearn, manifests, offline evaluation. */
class LabRunTest {
    // Small enough that the whole class costs a few seconds of CPU: one layer of width 16, a context just longer
    // than the longest toy pair (so untrained greedy/sampled answers stop after a dozen bytes), few steps.
    static final String TINY =
            "{\"threads\":1,\"data\":{\"maxChars\":45},\"model\":{\"contextLength\":46,\"dim\":16,\"layers\":1,\"heads\":2},"
                    + "\"train\":{\"learningRate\":0.01,\"warmupSteps\":1,\"steps\":12,\"batchSize\":3,"
                    + "\"targetGreedyRecall\":0},"
                    + "\"unlearn\":{\"methods\":[\"ga\",\"npo\"],\"steps\":4,\"checkpointEvery\":2,\"batchSize\":2,"
                    + "\"termGradNorms\":true}}";

    @TempDir
    static Path tmp;

    static LabConfig cfg;
    static DataSplit split;
    static ModelStore store;
    static String log;

    @BeforeAll
    static void trainTinyLab() throws IOException {
        Path c = tmp.resolve("tiny.json");
        Files.writeString(c, TINY);
        cfg = LabConfig.load(c);
        List<QaPair> all = new ArrayList<>();
        String[] names = {"Ana", "Bo", "Cy"};
        for (int i = 0; i < names.length; i++) {
            all.add(new QaPair("forget", i, "Who is " + names[i] + "?", names[i] + " is a poet."));
            all.add(new QaPair("retain", i, "Where is " + names[i] + "?", "In Oslo " + i + "."));
        }
        split = DataSplit.select(all, 1, 1, 45);
        store = new ModelStore(tmp.resolve("cache"));
        StringWriter sw = new StringWriter();
        Lab lab = new Lab(cfg, split, store, new PrintWriter(sw));
        lab.trainBaseModels(false);
        lab.unlearnAll(false);
        log = sw.toString();
    }

    @Test
    void configFileShouldOverrideOnlyTheFieldsItNames() {
        assertEquals(16, cfg.model().dim());
        assertEquals(3, cfg.train().batchSize());
        assertEquals(0.05, cfg.unlearn().npoBeta());
        assertEquals(LabConfig.defaults().data().file(), cfg.data().file());
        assertEquals(LabConfig.defaults().data().forgetAuthors(), cfg.data().forgetAuthors());
        assertEquals(
                LabConfig.defaults().unlearn().lambdaForget(), cfg.unlearn().lambdaForget());
    }

    @Test
    void aBadConfigShouldNameTheFileAndTheField(@TempDir Path d) throws IOException {
        Path c = d.resolve("bad.json");
        Files.writeString(c, "{\"unlearn\":{\"lambdaForgett\":1}}");
        IOException e = assertThrows(IOException.class, () -> LabConfig.load(c));
        assertTrue(e.getMessage().startsWith(c.toString()) && e.getMessage().contains("lambdaForgett"), e.getMessage());
    }

    @Test
    void trainingToATargetShouldStopAtTheFirstCheckThatReachesIt(@TempDir Path d) throws IOException {
        Path c = d.resolve("target.json");
        Files.writeString(
                c,
                "{\"threads\":1,\"data\":{\"maxChars\":45},"
                        + "\"model\":{\"contextLength\":46,\"dim\":32,\"layers\":1,\"heads\":2},"
                        + "\"train\":{\"learningRate\":0.01,\"warmupSteps\":5,\"steps\":400,\"batchSize\":3,"
                        + "\"targetGreedyRecall\":0.8,\"checkEvery\":20}}");
        LabConfig target = LabConfig.load(c);
        ModelStore s = new ModelStore(d.resolve("cache"));
        new Lab(target, split, s, new PrintWriter(new StringWriter())).trainBaseModels(false);
        for (String v : List.of("base", "retain-only")) {
            JsonNode lab = new ObjectMapper()
                    .readTree(s.dir(v).resolve(GptModel.MANIFEST).toFile())
                    .get("provenance")
                    .get("lab");
            assertTrue(lab.get("targetReached").asBoolean(), v + ": " + lab.get("greedyChecks"));
            int step = lab.get("step").asInt();
            assertTrue(step < 400 && step % 20 == 0, v + " stopped at " + step);
            assertEquals(step, lab.get("lossCurve").size());
            JsonNode checks = lab.get("greedyChecks");
            assertEquals(step / 20, checks.size());
            JsonNode last = checks.get(checks.size() - 1);
            assertTrue(last.get("retain").asDouble() >= 0.8, last.toString());
            assertEquals(v.equals("base"), last.has("forget"));
            for (int i = 0; i + 1 < checks.size(); i++) {
                JsonNode ch = checks.get(i);
                assertTrue(ch.get("retain").asDouble() < 0.8
                        || (ch.has("forget") && ch.get("forget").asDouble() < 0.8));
            }
        }
    }

    @Test
    void outOfRangeOptionsShouldBeErrorsThatNameTheField(@TempDir Path d) throws IOException {
        for (String[] bad : new String[][] {
            {"{\"unlearn\":{\"entropyNormalisation\":\"mean\"}}", "entropyNormalisation"},
            {"{\"unlearn\":{\"entropyPositions\":\"question\"}}", "entropyPositions"},
            {"{\"unlearn\":{\"entropyPaddedLength\":0}}", "entropyPaddedLength"},
            {"{\"threads\":0}", "threads"},
            {"{\"train\":{\"targetGreedyRecall\":1.5}}", "targetGreedyRecall"},
            {"{\"train\":{\"checkEvery\":0}}", "checkEvery"},
            {"{\"data\":{\"maxChars\":400}}", "maxChars"},
            {"{\"train\":{\"schedule\":\"step\"}}", "train.schedule"},
            {"{\"unlearn\":{\"schedule\":\"cos\"}}", "unlearn.schedule"},
        }) {
            Path c = d.resolve("bad.json");
            Files.writeString(c, bad[0]);
            IOException e = assertThrows(IOException.class, () -> LabConfig.load(c), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    @Test
    void everyCheckpointShouldBeAVersionWithItsManifest() throws IOException {
        assertEquals(
                List.of(
                        "base",
                        "ga+ent-s2",
                        "ga+ent-s4",
                        "ga-s2",
                        "ga-s4",
                        "npo+ent-s2",
                        "npo+ent-s4",
                        "npo-s2",
                        "npo-s4",
                        "retain-only"),
                store.versions());
        JsonNode lab = new ObjectMapper()
                .readTree(store.dir("npo+ent-s2").resolve(GptModel.MANIFEST).toFile())
                .get("provenance")
                .get("lab");
        assertEquals("npo", lab.get("method").asText());
        assertTrue(lab.get("entropy").asBoolean());
        assertEquals("base", lab.get("parent").asText());
        assertEquals(2, lab.get("step").asInt());
        assertEquals(split.hash(), lab.get("splitHash").asText());
        assertEquals(0, lab.get("seed").asLong());
        assertEquals(2, lab.get("lossCurve").size());
        assertEquals(
                0.05, lab.get("hyperParameters").get("unlearn").get("npoBeta").asDouble());
        assertEquals(
                0.25,
                lab.get("hyperParameters").get("unlearn").get("lambdaRetain").asDouble());
        JsonNode c0 = lab.get("components").get(0);
        assertTrue(c0.has("forgetEntropy"));
        for (String k : List.of("gradNormBase", "gradNormForgetEntropy", "gradNormRetainEntropy")) {
            assertTrue(c0.get(k).asDouble() > 0, k + " in " + c0);
        }
        JsonNode base = new ObjectMapper()
                .readTree(store.dir("base").resolve(GptModel.MANIFEST).toFile())
                .get("provenance")
                .get("lab");
        assertEquals("forget+retain", base.get("trainedOn").asText());
        assertTrue(base.get("parent").isNull());
        assertTrue(base.has("greedyForget"));
    }

    @Test
    void aFewTrainingStepsShouldLowerTheAnswerLoss() throws IOException {
        JsonNode curve = new ObjectMapper()
                .readTree(store.dir("base").resolve(GptModel.MANIFEST).toFile())
                .get("provenance")
                .get("lab")
                .get("lossCurve");
        assertEquals(12, curve.size());
        double first = (curve.get(0).asDouble() + curve.get(1).asDouble()) / 2;
        double last = (curve.get(10).asDouble() + curve.get(11).asDouble()) / 2;
        assertTrue(last < 0.8 * first, first + " -> " + last);
    }

    @Test
    void gradientAscentCheckpointsShouldHaveAHigherForgetNllThanBase() throws IOException {
        float base;
        float ga;
        try (GptModel m = GptModel.load(store.dir("base"), Device.cpu())) {
            base = sum(UnlearningLoss.summedNll(m, split.forget()));
        }
        try (GptModel m = GptModel.load(store.dir("ga-s4"), Device.cpu())) {
            ga = sum(UnlearningLoss.summedNll(m, split.forget()));
        }
        assertTrue(ga > base, "forget NLL base " + base + " ga-s4 " + ga);
    }

    @Test
    void rerunsShouldReuseCachedVersions() throws IOException {
        StringWriter sw = new StringWriter();
        Lab lab = new Lab(cfg, split, store, new PrintWriter(sw));
        assertEquals(List.of(), lab.trainBaseModels(false));
        assertEquals(List.of(), lab.unlearnAll(false));
        assertTrue(sw.toString().contains("exists"), sw.toString());
    }

    @Test
    void saveThenLoadShouldGiveIdenticalLogits() throws IOException {
        try (GptModel a = GptModel.load(store.dir("ga-s2"), Device.cpu())) {
            Path copy = tmp.resolve("copy");
            a.save(copy);
            try (GptModel b = GptModel.load(copy, Device.cpu());
                    NDManager s = a.manager().newSubManager();
                    NDManager t = b.manager().newSubManager()) {
                int[] probe = a.tokenizer().encode(split.forget().get(0).prompt(), true, false);
                assertArrayEquals(
                        a.logits(s.create(probe, new Shape(1, probe.length))).toFloatArray(),
                        b.logits(t.create(probe, new Shape(1, probe.length))).toFloatArray());
            }
        }
    }

    @Test
    void offlineEvaluationShouldGiveTheSameBoundsAsTheBoundsCommandOnItsScores() throws IOException {
        OfflineEvaluator.Settings s = new OfflineEvaluator.Settings(8, 1.0, 0.9, 0, 12, 0.01, 0.5, 0L, 0.9);
        OfflineEvaluator ev = new OfflineEvaluator(s);
        OfflineEvaluation run = new OfflineEvaluation(ev, split, List.of("forget", "retain"), 0, true, m -> {});
        for (boolean adaptive : new boolean[] {false, true}) {
            OfflineEvaluation.Result r = run.run(store.dir("ga-s2"), adaptive);
            assertEquals("ga-s2", r.summary().get("version"));
            assertEquals(adaptive, r.summary().get("adaptive_temperature"));
            @SuppressWarnings("unchecked")
            Map<String, Object> forget = (Map<String, Object>) r.full().get("forget");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> prompts = (List<Map<String, Object>>) forget.get("per_prompt");
            double muSum = 0;
            double binSum = 0;
            for (Map<String, Object> p : prompts) {
                double[] scores = (double[]) p.get("scores");
                assertEquals(8, scores.length);
                // What `probeval bounds --alpha 0.01 --leak-threshold 0.5 --threshold 0.5` computes on these scores.
                BoundReport b = Bounds.compute(ScoreAccumulator.of(scores), s.bounds());
                assertEquals(b.mMu(), (double) p.get("m_mu"), 0.0);
                assertEquals(b.mSigma(), (double) p.get("m_sigma"), 0.0);
                assertEquals(b.mBin(), (double) p.get("m_bin"), 0.0);
                assertEquals(b.mGen().get(0.5), (double) p.get("m_gen"), 0.0);
                assertEquals(b.mean(), (double) p.get("sampled_mean"), 1e-12);
                muSum += b.mMu();
                binSum += b.mBin();
                boolean hidden = (double) p.get("greedy_score") < 0.5 && (double) p.get("sampled_max") >= 0.5;
                assertEquals(hidden, p.get("hidden_leak"));
            }
            assertEquals(muSum / prompts.size(), (double) forget.get("m_mu_mean"), 1e-12);
            assertEquals(binSum / prompts.size(), (double) forget.get("m_bin_mean"), 1e-12);
        }
    }

    @Test
    void offlineSamplesShouldBeTheOnesTheWorkerDrawsForTheSameRequestId() throws IOException {
        OfflineEvaluator.Settings s = new OfflineEvaluator.Settings(8, 1.0, 0.9, 0, 12, 0.01, 0.5, 3L, 0.9);
        QaPair q = split.forget().get(0);
        try (GptModel m = GptModel.load(store.dir("base"), Device.cpu())) {
            OfflineEvaluator.PromptResult offline = new OfflineEvaluator(s)
                    .evaluate(m, "base", "forget", List.of(q), false)
                    .get(0);
            assertEquals("lab/base/forget/" + q.idx() + "/plain", offline.requestId());
            // The worker opens the version on the default engine and asks for chunks; sample 5 drawn alone must score
            // the same.
            List<GeneratedSample> alone;
            try (SamplingBackend backend = Models.openBackend(ModelLocation.resolve(store.dir("base"), null))) {
                alone = backend.generate(
                        new GenerationRequest(offline.requestId(), q.prompt(), 5, 1, s.decoding(false), 3L, false));
            }
            assertEquals(
                    offline.scores()[5],
                    Greedy.ROUGE_L_RECALL.score(alone.get(0).text(), q.answer()),
                    0.0);
        }
    }

    static float sum(float[] xs) {
        float s = 0;
        for (float x : xs) {
            s += x;
        }
        return s;
    }
}
