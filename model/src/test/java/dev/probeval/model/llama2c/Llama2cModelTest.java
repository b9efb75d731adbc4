package dev.probeval.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.probeval.model.KvCache;
import dev.probeval.model.Stories260K;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Llama2cModelTest {
    static final float TOL = 1e-4f;
    static Llama2cCheckpoint ckpt;
    static Llama2cModel model;

    @BeforeAll
    static void load() throws IOException {
        ckpt = Llama2cCheckpoint.read(Stories260K.checkpoint());
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void djlPrefillLogitsShouldMatchPlainJavaAtEveryPosition() {
        int[] prompt = model.tokenizer().encode("Once upon a time, a little girl named Lily", true, false);
        Llama2cReferenceForward ref = new Llama2cReferenceForward(ckpt);
        try (NDManager m = model.manager().newSubManager();
                KvCache cache = model.newCache(m)) {
            NDArray logits = model.forward(m.create(prompt, new Shape(1, prompt.length)), cache);
            assertEquals(new Shape(1, prompt.length, 512), logits.getShape());
            float[] all = logits.toFloatArray();
            for (int pos = 0; pos < prompt.length; pos++) {
                float[] expected = ref.forward(prompt[pos], pos);
                assertClose(expected, all, pos * 512, "position " + pos);
            }
            assertEquals(prompt.length, cache.length());
        }
    }

    @Test
    void djlBatchedDecodeWithSharedPrefixShouldMatchPlainJavaPerRow() {
        int[] prompt = model.tokenizer().encode("Tim and his dog", true, false);
        int[][] continuations = {{300, 45, 400, 7}, {260, 261, 262, 263}, {11, 500, 2, 99}};
        int rows = continuations.length;
        try (NDManager m = model.manager().newSubManager();
                KvCache cache = model.newCache(m)) {
            // A too-small reservation makes the cache grow during decoding; results must not change.
            cache.reserve(1);
            try (NDManager step = m.newSubManager()) {
                model.forward(step.create(prompt, new Shape(1, prompt.length)), cache);
            }
            cache.repeatRows(rows);
            assertEquals(rows, cache.batchSize());
            Llama2cReferenceForward[] refs = new Llama2cReferenceForward[rows];
            for (int r = 0; r < rows; r++) {
                refs[r] = new Llama2cReferenceForward(ckpt);
                for (int pos = 0; pos < prompt.length; pos++) {
                    refs[r].forward(prompt[pos], pos);
                }
            }
            for (int s = 0; s < continuations[0].length; s++) {
                int[] tokens = new int[rows];
                for (int r = 0; r < rows; r++) {
                    tokens[r] = continuations[r][s];
                }
                try (NDManager step = m.newSubManager()) {
                    float[] got = model.forward(step.create(tokens, new Shape(rows, 1)), cache)
                            .toFloatArray();
                    for (int r = 0; r < rows; r++) {
                        assertClose(
                                refs[r].forward(tokens[r], prompt.length + s), got, r * 512, "row " + r + " step " + s);
                    }
                }
            }
            // Dropping the middle row keeps the others' caches intact.
            cache.keepRows(new boolean[] {true, false, true});
            try (NDManager step = m.newSubManager()) {
                float[] got = model.forward(step.create(new int[] {42, 43}, new Shape(2, 1)), cache)
                        .toFloatArray();
                int pos = prompt.length + continuations[0].length;
                assertClose(refs[0].forward(42, pos), got, 0, "row 0 after compaction");
                assertClose(refs[2].forward(43, pos), got, 512, "row 2 after compaction");
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, int offset, String what) {
        float worst = 0f;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[offset + i]));
        }
        assertTrue(worst <= TOL, what + ": max |Δlogit| = " + worst);
    }
}
