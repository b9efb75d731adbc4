package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.probeval.model.DecodeBatch;
import dev.probeval.model.jvm.JvmGpt;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-Java engine against the DJL forward of the small GPT: logits within 1e-4 at every decoded position. */
class JvmGptTest {
    private static final float TOL = 1e-4f;

    /**
     * A random model whose weights are scaled up and whose norms are no longer 1 and 0, so logits span several units
     * and every parameter matters (a fresh init gives near-uniform logits that any forward matches).
     */
    private static GptModel spiky(GptConfig cfg, long seed) {
        GptModel m = GptModel.create(cfg, seed, Device.cpu());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Map.Entry<String, NDArray> e : m.namedArrays().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getKey().endsWith("gamma") || e.getKey().endsWith("beta")
                        ? v[i] + (float) (rnd.nextDouble() - 0.5)
                        : v[i] * 12f;
            }
            e.getValue().set(v);
        }
        return m;
    }

    @Test
    void logitsShouldBeWithin1e4OfDjlAtEveryDecodedPosition(@TempDir Path dir) throws Exception {
        GptConfig cfg = new GptConfig(258, 64, 48, 3, 4, 96);
        try (GptModel m = spiky(cfg, 5)) {
            m.save(dir);
            String[] prompts = {"Question: Who wrote it?\nAnswer:", "a", "The author's full name is"};
            try (JvmGpt fromModel = JvmGpt.of(m, 2);
                    JvmGpt loaded = JvmGpt.load(dir, 1)) {
                for (String prompt : prompts) {
                    int[] ids = m.tokenizer().encode(prompt, true, false);
                    int[] cont = {72, 101, 108, 108, 111, 257};
                    int[] full = new int[ids.length + cont.length];
                    System.arraycopy(ids, 0, full, 0, ids.length);
                    System.arraycopy(cont, 0, full, ids.length, cont.length);
                    float[] expected;
                    try (NDManager s = m.manager().newSubManager()) {
                        expected = m.logits(s.create(full, new Shape(1, full.length)))
                                .toFloatArray();
                    }
                    for (JvmGpt jvm : new JvmGpt[] {fromModel, loaded}) {
                        try (DecodeBatch b = jvm.newBatch(full.length)) {
                            float[] got = b.prefill(ids);
                            check(expected, got, 0, ids.length - 1, prompt);
                            b.repeatRows(1);
                            for (int k = 0; k < cont.length; k++) {
                                int at = ids.length + k;
                                float[][] out = new float[1][];
                                b.step(new int[] {cont[k]}, (logits, from, to) -> out[0] = logits);
                                check(expected, out[0], 0, at, prompt);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Compares position {@code pos} of the full-sequence logits with one row of the engine's logits. */
    private static void check(float[] expected, float[] got, int row, int pos, String what) {
        int v = 258;
        float worst = 0f;
        float span = 0f;
        for (int i = 0; i < v; i++) {
            worst = Math.max(worst, Math.abs(expected[pos * v + i] - got[row * v + i]));
            span = Math.max(span, Math.abs(expected[pos * v + i]));
        }
        assertTrue(span > 1f, "the test model's logits should span more than 1 (got " + span + ")");
        assertTrue(worst <= TOL, what + " position " + pos + ": max abs difference " + worst);
    }
}
