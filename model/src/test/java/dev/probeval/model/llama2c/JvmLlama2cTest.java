package dev.probeval.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.probeval.model.DecodeBatch;
import dev.probeval.model.Stories260K;
import dev.probeval.model.jvm.JvmLlama2c;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java engine on the shared llama2.c checkpoint: logits against the DJL model and the scalar oracle,
 * greedy text against llama2.c's C reference, and the per-sample seeding contract.
 */
class JvmLlama2cTest {
    static Llama2cCheckpoint ckpt;
    static Llama2cModel djl;
    static JvmLlama2c jvm;

    @BeforeAll
    static void load() throws IOException {
        ckpt = Llama2cCheckpoint.read(Stories260K.checkpoint());
        djl = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
        jvm = JvmLlama2c.load(Stories260K.checkpoint(), Stories260K.tokenizer(), 2);
    }

    @AfterAll
    static void close() {
        if (djl != null) {
            djl.close();
        }
        if (jvm != null) {
            jvm.close();
        }
    }

    @Test
    void lastPositionLogitsShouldBeWithin1e4OfTheDjlForward() {
        String[] prompts = {
            "Once upon a time", "Tim and his dog", "The sun was", "Lily wanted to play with her ball, but", "A"
        };
        for (String prompt : prompts) {
            int[] ids = jvm.tokenizer().encode(prompt, true, false);
            float[] expected;
            try (DecodeBatch b = djl.newBatch(ids.length)) {
                expected = b.prefill(ids).clone();
            }
            try (DecodeBatch b = jvm.newBatch(ids.length)) {
                Llama2cModelTest.assertClose(expected, b.prefill(ids), 0, "prompt '" + prompt + "'");
            }
        }
    }

    @Test
    void batchedDecodeWithCompactionShouldMatchTheScalarOraclePerRow() {
        int[] prompt = jvm.tokenizer().encode("Tim and his dog", true, false);
        int[][] continuations = {{300, 45, 400, 7}, {260, 261, 262, 263}, {11, 500, 2, 99}, {1, 2, 3, 4}, {9, 9, 9, 9}};
        int rows = continuations.length;
        Llama2cReferenceForward[] refs = new Llama2cReferenceForward[rows];
        for (int r = 0; r < rows; r++) {
            refs[r] = new Llama2cReferenceForward(ckpt);
            for (int pos = 0; pos < prompt.length; pos++) {
                refs[r].forward(prompt[pos], pos);
            }
        }
        try (DecodeBatch b = jvm.newBatch(prompt.length + 6)) {
            b.prefill(prompt);
            b.repeatRows(rows);
            assertEquals(rows, b.rows());
            for (int s = 0; s < continuations[0].length; s++) {
                int[] tokens = new int[rows];
                for (int r = 0; r < rows; r++) {
                    tokens[r] = continuations[r][s];
                }
                int step = s;
                b.step(tokens, (logits, from, to) -> {
                    for (int r = from; r < to; r++) {
                        Llama2cModelTest.assertClose(
                                refs[r].forward(tokens[r], prompt.length + step),
                                logits,
                                r * 512,
                                "row " + r + " step " + step);
                    }
                });
            }
            b.keepRows(new boolean[] {true, false, true, false, false});
            assertEquals(2, b.rows());
            int pos = prompt.length + continuations[0].length;
            float[][] got = new float[1][];
            b.step(new int[] {42, 43}, (logits, from, to) -> got[0] = logits);
            Llama2cModelTest.assertClose(refs[0].forward(42, pos), got[0], 0, "row 0 after compaction");
            Llama2cModelTest.assertClose(refs[2].forward(43, pos), got[0], 512, "row 2 after compaction");
            b.step(new int[] {1, 1}, (logits, from, to) -> {});
            assertThrows(IllegalStateException.class, () -> b.step(new int[] {1, 1}, (logits, from, to) -> {}));
        }
    }

    @Test
    void aTokenOutsideTheVocabularyShouldBeRefused() {
        try (DecodeBatch b = jvm.newBatch(4)) {
            assertThrows(IllegalArgumentException.class, () -> b.prefill(new int[] {1, 512}));
        }
    }

    @Test
    void greedyContinuationShouldEqualTheLlama2cCReference() throws IOException {
        SamplingEngine engine = new SamplingEngine(jvm);
        for (Stories260K.Case c : Stories260K.referenceCases()) {
            int promptTokens = jvm.tokenizer().encode(c.prompt(), true, false).length;
            int maxNew = c.steps() - promptTokens + 1;
            Sample g = engine.generate(
                            c.prompt(), DecodingParams.greedy(maxNew), SamplingEngine.rowsFor(0, 0, "parity", true))
                    .get(0);
            assertEquals(c.continuation(), g.text(), "prompt " + c.prompt());
        }
    }

    @Test
    void sampleIShouldNotDependOnTheBatchItWasDrawnIn() {
        DecodingParams p = DecodingParams.builder()
                .optTemperature(1.0)
                .optTopP(0.9)
                .optMaxNewTokens(24)
                .build();
        List<SamplingEngine.Row> rows = SamplingEngine.rowsFor(20, 11, "batch-independence", true);
        List<Sample> together = new SamplingEngine(jvm).generate("Once upon a time", p, rows);
        // Batches of 3 rows: other splits across threads and batches, same samples.
        List<Sample> sliced = new SamplingEngine(jvm, 3).generate("Once upon a time", p, rows);
        for (int i = 0; i < rows.size(); i++) {
            Sample alone = new SamplingEngine(jvm)
                    .generate("Once upon a time", p, List.of(rows.get(i)))
                    .get(0);
            assertArrayEquals(alone.tokens(), together.get(i).tokens(), "row " + i);
            assertArrayEquals(alone.tokens(), sliced.get(i).tokens(), "row " + i + " in batches of 3");
            assertEquals(alone.logprob(), together.get(i).logprob(), "row " + i);
        }
    }
}
