package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick lab ({@code lab-quick.json}, what {@code demo --quick} trains) on the real TOFU file: its base model must
 * learn enough that greedy answers share words with the references (ROUGE-L recall &gt; 0 on the pairs it trained on),
 * in well under the ~30 s of training the quick demo allows on 2 cores.
 */
class QuickLabTest {
    @TempDir
    Path tmp;

    @Test
    void theQuickBaseModelShouldRecallSomethingOfWhatItTrainedOn() throws IOException {
        assumeTrue(
                SharedDir.file("data/tofu/ft_epoch5_lr1e-05_llama2-7b_retain99_wd0.jsonl")
                        .isPresent(),
                SharedDir.MISSING_MESSAGE);
        LabConfig cfg = LabConfig.quick();
        DataSplit split = LabData.split(cfg);
        assertTrue(split.forget().size() >= 3 && split.retain().size() >= 3, "the quick demo asks 3 prompts a split");
        ModelStore store = new ModelStore(tmp);
        StringWriter log = new StringWriter();
        long t0 = System.nanoTime();
        new Lab(cfg, split, store, new PrintWriter(log)).trainBaseModels(false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonNode base = new ObjectMapper()
                .readTree(store.dir(Lab.BASE).resolve(GptModel.MANIFEST).toFile())
                .get("provenance")
                .get("lab");
        System.out.printf(
                "quick lab: %d forget + %d retain pairs, base + retain-only trained in %.1f s (base %.1f s), "
                        + "base greedy ROUGE-L recall forget %.3f retain %.3f%n",
                split.forget().size(),
                split.retain().size(),
                seconds,
                base.get("trainingSeconds").asDouble(),
                base.get("greedyForget").asDouble(),
                base.get("greedyRetain").asDouble());
        assertEquals(base.get("step").asInt(), base.get("lossCurve").size());
        assertTrue(base.get("greedyForget").asDouble() > 0, log.toString());
        assertTrue(base.get("greedyRetain").asDouble() > 0, log.toString());
        assertTrue(seconds < 60, "quick lab trained in " + seconds + " s");
    }
}
