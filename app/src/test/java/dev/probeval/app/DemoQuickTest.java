package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.lab.DataSplit;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.LabData;
import dev.probeval.lab.ModelStore;
import dev.probeval.lab.OfflineEvaluator;
import dev.probeval.lab.QaPair;
import dev.probeval.model.gpt.GptModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code probeval demo --quick --exit} end to end (lab training, embedded broker, registry, worker, aggregator,
 * producer library, exports), then the same versions through {@link OfflineEvaluator}: every sampled score, every
 * greedy score and every aggregate in results.json equal the offline evaluation.
 */
class DemoQuickTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void quickDemoExportsTheNumbersOfTheOfflineEvaluation() throws Exception {
        Path out = tmp.resolve("out");
        Path cache = tmp.resolve("lab");
        CliResult r = CliResult.run(
                "demo",
                "--quick",
                "--exit",
                "--port",
                "0",
                "--output-dir",
                out.toString(),
                "--cache-dir",
                cache.toString());
        System.err.println(r.err());
        System.out.println(r.out());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("greedy") && r.out().contains("M_bin"), r.out());
        assertTrue(r.err().contains("REST API and prompt-bounds topic agree on all 18 requests"), r.err());
        JsonNode results =
                JSON.readTree(Files.readString(out.resolve("results.json"))).get("results");
        List<JsonNode> samples = Files.readAllLines(out.resolve("samples.jsonl")).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (Exception e) {
                        throw new AssertionError(l, e);
                    }
                })
                .toList();
        Map<String, JsonNode> byKey = new HashMap<>();
        samples.forEach(s -> byKey.put(
                s.get("request_id").asText() + "#" + s.get("sample_index").asInt(), s));

        Path lab = Files.createTempFile(tmp, "quick", ".json");
        Files.writeString(lab, DemoCommand.QUICK_LAB);
        LabConfig cfg = LabConfig.load(lab);
        DataSplit split = LabData.split(cfg);
        ModelStore store = new ModelStore(cache);
        OfflineEvaluator ev =
                new OfflineEvaluator(new OfflineEvaluator.Settings(8, 1.0, 0.9, 0, 48, 0.01, 0.5, 0L, 0.9));
        List<String> versions = Demo.defaultVersions(cfg).subList(0, 3);
        assertEquals(3 * 2, results.size());
        int compared = 0;
        for (String v : versions) {
            try (GptModel model = GptModel.load(store.dir(v), ai.djl.Device.cpu())) {
                for (String sp : List.of("forget", "retain")) {
                    List<QaPair> pairs = (sp.equals("forget") ? split.forget() : split.retain()).subList(0, 3);
                    List<OfflineEvaluator.PromptResult> off = ev.evaluate(model, v, sp, pairs, false);
                    for (OfflineEvaluator.PromptResult p : off) {
                        JsonNode g = byKey.get(p.requestId() + "#-1");
                        assertNotNull(g, "greedy sample of " + p.requestId());
                        assertEquals(p.greedyScore(), g.get("rougeL_recall").asDouble(), 1e-12, p.requestId());
                        for (int i = 0; i < p.scores().length; i++) {
                            JsonNode s = byKey.get(p.requestId() + "#" + i);
                            assertNotNull(s, p.requestId() + " sample " + i);
                            assertEquals(
                                    p.scores()[i], s.get("rougeL_recall").asDouble(), 1e-12, p.requestId() + " #" + i);
                            compared++;
                        }
                        assertEquals(p.bounds().mMu(), g.get("prompt_m_mu").asDouble(), 1e-9, p.requestId() + " M_mu");
                        assertEquals(
                                p.bounds().mBin(), g.get("prompt_m_bin").asDouble(), 1e-9, p.requestId() + " M_bin");
                    }
                    Map<String, Object> sum = ev.summary(off);
                    JsonNode task = results.get(v + "/" + sp);
                    assertNotNull(task, v + "/" + sp);
                    for (String k : List.of(
                            "greedy_rougeL_recall_mean",
                            "sampled_rougeL_recall_mean",
                            "m_mu_mean",
                            "m_bin_mean",
                            "sampled_rougeL_recall_max_mean")) {
                        assertEquals(
                                (double) sum.get(k), task.get(k + ",none").asDouble(), 1e-9, v + "/" + sp + " " + k);
                    }
                    assertEquals(
                            sum.get("hidden_leak_prompts"),
                            task.get("hidden_leak_prompts,none").asInt());
                }
            }
        }
        assertEquals(3 * 2 * 3 * 8, compared);
        assertEquals(3 * 2 * 3 * 9, samples.size(), "greedy + 8 samples per prompt, each once");
    }
}
