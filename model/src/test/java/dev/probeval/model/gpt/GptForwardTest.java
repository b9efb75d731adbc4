package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.probeval.model.KvCache;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The DJL-block forward against what the format-1 build computed, and the cached path against the full one.
 * Tolerance against format 1: 1e-6 absolute (measured: 4.5e-8 on logits of at most 0.3 in magnitude); not bitwise,
 * because the block forward's LayerNorm is PyTorch's fused kernel where format 1 composed mean/variance ops,
 * which rounds differently in the last bits. The cached path is held to the same 1e-6.
 */
class GptForwardTest {
    private static final double FORMAT1_TOLERANCE = 1e-6;

    private static int[] probe() {
        return new ByteTokenizer().encode(Format1Reference.PROBE, true, false);
    }

    private static float[] logits(GptModel m, int[] ids) {
        try (NDManager s = m.manager().newSubManager()) {
            return m.logits(s.create(ids, Format1Reference.shape(ids))).toFloatArray();
        }
    }

    @Test
    void createShouldReproduceTheFormat1ModelOfTheSameSeed() {
        float[] recorded = Format1Reference.recorded("seed42-logits.txt");
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 42, Device.cpu())) {
            float[] now = logits(m, probe());
            float diff = Format1Reference.maxAbsDiff(recorded, now);
            assertTrue(diff <= FORMAT1_TOLERANCE, "max abs difference " + diff);
        }
    }

    @Test
    void aFormat1CheckpointShouldLoadAndGiveTheLogitsItWasSavedWith() throws IOException {
        float[] recorded = Format1Reference.recorded("v1-checkpoint-logits.txt");
        try (GptModel m = GptModel.load(Format1Reference.checkpoint(), Device.cpu())) {
            assertEquals(Format1Reference.CONFIG, m.config());
            assertEquals(
                    "reference checkpoint written by the format-1 GptModel",
                    m.provenance().get("created"));
            // Trained for 3 steps, so LayerNorm γ and β are no longer 1 and 0: the norms' affine part is exercised.
            assertTrue(m.namedArrays().get("h1.ln2.beta").abs().max().getFloat() > 0);
            float diff = Format1Reference.maxAbsDiff(recorded, logits(m, probe()));
            assertTrue(diff <= FORMAT1_TOLERANCE, "max abs difference " + diff);
        }
    }

    @Test
    void theBlockForwardShouldMatchTheFormat1ForwardOnABatchOfAWiderModel() {
        GptConfig wide = new GptConfig(258, 32, 24, 3, 4, 40);
        int[] ids = new int[2 * 12];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 37 + 11) % 258;
        }
        try (GptModel m = GptModel.create(wide, 9, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            NDArray tokens = s.create(ids, new Shape(2, 12));
            float[] blocks = m.logits(tokens).toFloatArray();
            float[] format1 =
                    Format1Reference.logits(wide, m.namedArrays(), tokens).toFloatArray();
            float diff = Format1Reference.maxAbsDiff(format1, blocks);
            assertTrue(diff <= FORMAT1_TOLERANCE, "max abs difference " + diff);
        }
    }

    @Test
    void drivingTheModelAsADjlBlockShouldGiveTheSameLogits() {
        int[] ids = probe();
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 42, Device.cpu());
                NDManager s = m.manager().newSubManager()) {
            NDArray tokens = s.create(ids, Format1Reference.shape(ids));
            NDList out = m.forward(new ParameterStore(s, false), new NDList(tokens), false);
            assertEquals(new Shape(1, ids.length, 258), out.singletonOrThrow().getShape());
            assertArrayEquals(
                    m.logits(tokens).toFloatArray(), out.singletonOrThrow().toFloatArray());
        }
    }

    @Test
    void aSharedPromptCacheRepeatedIntoRowsShouldDecodeLikeTheFullForwardOfEachRow() {
        // The sampling engine's path: prefill one prompt row, broadcast it to n rows, then one token per row and step.
        int[] prompt = new ByteTokenizer().encode("Dogs", true, false);
        int[][] continuations = {{'r', 'u', 'n'}, {' ', 'n', 'a'}, {'!', '!', '.'}};
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 5, Device.cpu());
                NDManager s = m.manager().newSubManager();
                KvCache cache = m.newCache(s)) {
            cache.reserve(prompt.length + 3);
            float[] prefill = m.forward(s.create(prompt, Format1Reference.shape(prompt)), cache)
                    .toFloatArray();
            assertArrayClose(logits(m, prompt), prefill, FORMAT1_TOLERANCE, "prefill");
            cache.repeatRows(continuations.length);
            float[][] full = new float[continuations.length][];
            for (int r = 0; r < continuations.length; r++) {
                int[] seq = Arrays.copyOf(prompt, prompt.length + 3);
                System.arraycopy(continuations[r], 0, seq, prompt.length, 3);
                full[r] = logits(m, seq);
            }
            int vocab = m.vocabSize();
            for (int step = 0; step < 3; step++) {
                int[] next = new int[continuations.length];
                for (int r = 0; r < next.length; r++) {
                    next[r] = continuations[r][step];
                }
                float[] got = m.forward(s.create(next, new Shape(next.length, 1)), cache)
                        .toFloatArray();
                int pos = prompt.length + step;
                for (int r = 0; r < next.length; r++) {
                    float[] want = Arrays.copyOfRange(full[r], pos * vocab, (pos + 1) * vocab);
                    float[] row = Arrays.copyOfRange(got, r * vocab, (r + 1) * vocab);
                    assertArrayClose(want, row, FORMAT1_TOLERANCE, "row " + r + " position " + pos);
                }
            }
            assertEquals(prompt.length + 3, cache.length());
        }
    }

    private static void assertArrayClose(float[] want, float[] got, double tol, String what) {
        float diff = Format1Reference.maxAbsDiff(want, got);
        assertTrue(diff <= tol, what + ": max abs difference " + diff);
    }
}
