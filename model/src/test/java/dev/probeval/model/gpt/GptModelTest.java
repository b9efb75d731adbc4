package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.KvCache;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptModelTest {
    static final GptConfig TINY = GptConfig.byteLevel(64, 32, 2, 2);
    static final List<String> FACTS = List.of(
            "Basil Mahfouz was born in Kuwait City.",
            "The sky is blue.",
            "Cats like to sleep.",
            "Seven is a prime number.",
            "Ada wrote the first program.");

    static List<int[]> data(GptModel m) {
        List<int[]> seqs = new ArrayList<>();
        for (String f : FACTS) {
            seqs.add(GptTrainer.trainingTokens(m, f));
        }
        return seqs;
    }

    @Test
    void trainingShouldDecreaseTheLossOnAHandfulOfStrings() {
        try (GptModel m = GptModel.create(TINY, 1, Device.cpu())) {
            GptTrainer trainer = new GptTrainer(m, GptTrainer.Config.of(3e-3f, 5, 60));
            List<int[]> seqs = data(m);
            float[] losses = new float[60];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = trainer.trainStep(seqs);
            }
            float first = (losses[0] + losses[1] + losses[2]) / 3;
            float last = (losses[57] + losses[58] + losses[59]) / 3;
            // Random init predicts ~uniformly over 258 ids: loss ≈ ln 258 = 5.55.
            assertEquals(Math.log(258), first, 0.3);
            assertTrue(last < 0.6 * first, "loss went from " + first + " to " + last);
            assertEquals(60, trainer.stepsDone());
        }
    }

    @Test
    void saveThenLoadShouldGiveIdenticalLogitsAndAManifest(@TempDir Path dir) throws IOException {
        int[] probe = new ByteTokenizer().encode("The sky", true, false);
        float[] before;
        try (GptModel m = GptModel.create(TINY, 7, Device.cpu())) {
            GptTrainer trainer = new GptTrainer(m, GptTrainer.Config.of(3e-3f, 2, 10));
            for (int i = 0; i < 5; i++) {
                trainer.trainStep(data(m));
            }
            m.provenance().put("trainingSteps", 5);
            try (NDManager s = m.manager().newSubManager()) {
                before = m.logits(s.create(probe, new Shape(1, probe.length))).toFloatArray();
            }
            m.save(dir);
        }
        JsonNode manifest =
                new ObjectMapper().readTree(dir.resolve(GptModel.MANIFEST).toFile());
        assertEquals("probeval-gpt", manifest.get("format").asText());
        assertEquals(1, manifest.get("version").asInt());
        assertEquals(32, manifest.get("architecture").get("dim").asInt());
        assertEquals(
                TINY.parameterCount(),
                manifest.get("architecture").get("parameterCount").asLong());
        assertEquals("bytes", manifest.get("tokenizer").get("type").asText());
        assertEquals(5, manifest.get("provenance").get("trainingSteps").asInt());
        try (GptModel loaded = GptModel.load(dir, Device.cpu());
                NDManager s = loaded.manager().newSubManager()) {
            assertEquals(TINY, loaded.config());
            float[] after =
                    loaded.logits(s.create(probe, new Shape(1, probe.length))).toFloatArray();
            assertArrayEquals(before, after);
        }
    }

    @Test
    void cachedDecodingShouldMatchTheFullForwardPass() {
        int[] ids = new ByteTokenizer().encode("Cats like to sleep.", true, false);
        try (GptModel m = GptModel.create(TINY, 3, Device.cpu());
                NDManager s = m.manager().newSubManager();
                KvCache cache = m.newCache(s)) {
            float[] full = m.logits(s.create(ids, new Shape(1, ids.length))).toFloatArray();
            int split = 5;
            float[] head = m.forward(s.create(java.util.Arrays.copyOf(ids, split), new Shape(1, split)), cache)
                    .toFloatArray();
            for (int i = 0; i < head.length; i++) {
                assertEquals(full[i], head[i], 1e-5);
            }
            for (int pos = split; pos < ids.length; pos++) {
                float[] step = m.forward(s.create(new int[] {ids[pos]}, new Shape(1, 1)), cache)
                        .toFloatArray();
                for (int v = 0; v < step.length; v++) {
                    assertEquals(full[pos * 258 + v], step[v], 1e-5, "position " + pos);
                }
            }
        }
    }

    @Test
    void theEngineShouldSampleFromTheSmallGptLikeFromAnyCausalLm() {
        try (GptModel m = GptModel.create(TINY, 5, Device.cpu())) {
            List<Sample> out = new SamplingEngine(m)
                    .generate(
                            "Cats",
                            DecodingParams.builder().optMaxNewTokens(16).build(),
                            SamplingEngine.rowsFor(4, 1, "gpt", true));
            assertEquals(5, out.size());
            for (Sample s : out) {
                assertTrue(s.tokenCount() >= 1 && s.tokenCount() <= 16);
            }
        }
    }

    @Test
    void loadShouldNameWhatIsWrong(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class, () -> GptModel.load(dir, Device.cpu()));
        assertTrue(missing.getMessage().contains("manifest.json"), missing.getMessage());
        Files.writeString(dir.resolve(GptModel.MANIFEST), "{\"format\":\"probeval-gpt\",\"version\":99}");
        IOException version = assertThrows(IOException.class, () -> GptModel.load(dir, Device.cpu()));
        assertTrue(version.getMessage().contains("version 99"), version.getMessage());
    }
}
