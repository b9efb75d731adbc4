package dev.probeval.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.Stories260K;
import dev.probeval.model.llama2c.Llama2cCheckpoint;
import dev.probeval.model.llama2c.Llama2cModel;
import dev.probeval.model.llama2c.Llama2cReferenceForward;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batched engine on the real stories260K model. */
class SamplingEngineTest {
    static Llama2cModel model;
    static SamplingEngine engine;

    @BeforeAll
    static void load() throws IOException {
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
        engine = new SamplingEngine(model);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static DecodingParams nucleus(int maxNew) {
        return DecodingParams.builder()
                .optTemperature(1.0)
                .optTopP(0.9)
                .optMaxNewTokens(maxNew)
                .build();
    }

    @Test
    void greedyContinuationShouldEqualLlama2cCReferenceTokenForToken() throws IOException {
        for (Stories260K.Case c : Stories260K.referenceCases()) {
            int promptTokens = model.tokenizer().encode(c.prompt(), true, false).length;
            // run.c's steps count positions, BOS and prompt included: steps - P + 1 tokens are generated.
            int maxNew = c.steps() - promptTokens + 1;
            Sample g = engine.generate(
                            c.prompt(), DecodingParams.greedy(maxNew), SamplingEngine.rowsFor(0, 0, "parity", true))
                    .get(0);
            assertEquals(c.continuation(), g.text(), c.prompt() + " / " + c.steps() + " steps");
            assertEquals(maxNew, g.tokenCount());
            assertEquals(FinishReason.LENGTH, g.finish());
            assertTrue(g.greedy());
            assertEquals(SampleIds.GREEDY_INDEX, g.index());
        }
    }

    @Test
    void greedyRowInsideASampledBatchShouldEqualGreedyAlone() {
        Sample alone = engine.generate("Mom said", DecodingParams.greedy(40), SamplingEngine.rowsFor(0, 1, "r", true))
                .get(0);
        List<Sample> batch = engine.generate("Mom said", nucleus(40), SamplingEngine.rowsFor(6, 1, "r", true));
        assertEquals(7, batch.size());
        assertArrayEquals(alone.tokens(), batch.get(0).tokens());
        assertEquals(alone.text(), batch.get(0).text());
    }

    @Test
    void aSampleRedrawnAloneShouldEqualTheSameIndexInsideTheBatch() {
        List<SamplingEngine.Row> rows = SamplingEngine.rowsFor(12, 42, "request-7", false);
        List<Sample> batch = engine.generate("There was a big tree", nucleus(48), rows);
        for (int i : new int[] {0, 5, 11}) {
            Sample alone = engine.generate("There was a big tree", nucleus(48), List.of(rows.get(i)))
                    .get(0);
            assertArrayEquals(batch.get(i).tokens(), alone.tokens(), "sample " + i);
            assertEquals(batch.get(i).text(), alone.text());
            // Tokens are identical; PyTorch's CPU kernels are not bitwise invariant to the batch size, so the float32
            // logits (and the log-probability summed from them) agree to rounding only.
            assertEquals(batch.get(i).logprob(), alone.logprob(), 1e-4);
            assertEquals(batch.get(i).finish(), alone.finish());
        }
        // Re-drawing the whole request reproduces it; samples differ from each other; another request differs.
        List<Sample> again = engine.generate("There was a big tree", nucleus(48), rows);
        long distinct = batch.stream().map(Sample::text).distinct().count();
        assertTrue(distinct >= 10, "12 nucleus samples gave only " + distinct + " distinct texts");
        List<Sample> other = engine.generate(
                "There was a big tree", nucleus(48), SamplingEngine.rowsFor(12, 42, "request-8", false));
        int same = 0;
        for (int i = 0; i < 12; i++) {
            assertArrayEquals(batch.get(i).tokens(), again.get(i).tokens());
            if (batch.get(i).text().equals(other.get(i).text())) {
                same++;
            }
        }
        assertTrue(same < 3, "request id must change the seeds; identical samples: " + same);
    }

    @Test
    void firstTokenFrequenciesShouldMatchTheProcessedSoftmaxChiSquare() throws IOException {
        String prompt = "Tim and his dog";
        int[] ids = model.tokenizer().encode(prompt, true, false);
        Llama2cReferenceForward ref = new Llama2cReferenceForward(Llama2cCheckpoint.read(Stories260K.checkpoint()));
        float[] logits = null;
        for (int pos = 0; pos < ids.length; pos++) {
            logits = ref.forward(ids[pos], pos);
        }
        int n = 6000;
        for (DecodingParams p : List.of(
                DecodingParams.builder()
                        .optTemperature(1.0)
                        .optTopK(12)
                        .optMaxNewTokens(1)
                        .build(),
                DecodingParams.builder()
                        .optTemperature(0.7)
                        .optTopP(0.9)
                        .optMaxNewTokens(1)
                        .build())) {
            double[] q = TokenDistributions.processed(logits, 0, logits.length, p.temperature(), p.topK(), p.topP());
            List<Sample> samples = engine.generate(prompt, p, SamplingEngine.rowsFor(n, 2024, "chi-square", false));
            int[] counts = new int[q.length];
            for (Sample s : samples) {
                counts[s.tokens()[0]]++;
            }
            double chi2 = 0;
            int cells = 0;
            for (int t = 0; t < q.length; t++) {
                if (q[t] == 0) {
                    assertEquals(0, counts[t], "token " + t + " is outside the truncated support but was drawn");
                    continue;
                }
                double e = n * q[t];
                chi2 += (counts[t] - e) * (counts[t] - e) / e;
                cells++;
            }
            assertTrue(cells >= 3, "too few cells for the test: " + cells);
            double critical = chiSquareQuantile999(cells - 1);
            assertTrue(chi2 < critical, p + ": chi2 = " + chi2 + " over " + (cells - 1) + " df, critical " + critical);
        }
    }

    /** Wilson–Hilferty approximation of the 0.999 quantile of chi-square with df degrees of freedom. */
    static double chiSquareQuantile999(int df) {
        double z = 3.090232306;
        double a = 2.0 / (9.0 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    @Test
    void logprobShouldBeUnderTheDistributionActuallySampledFrom() throws IOException {
        List<Sample> plain = engine.generate(
                "Mom said",
                DecodingParams.builder().optTemperature(1.0).optMaxNewTokens(20).build(),
                SamplingEngine.rowsFor(4, 3, "lp", true));
        for (Sample s : plain) {
            // T = 1 without truncation: the sampled distribution is the model's, for samples and greedy alike.
            assertEquals(s.modelLogprob(), s.logprob(), 1e-6);
            assertTrue(s.logprob() < 0);
        }
        // The greedy log-probability matches the plain-Java model's log-softmax along the same tokens.
        Sample g = plain.get(0);
        int[] ids = model.tokenizer().encode("Mom said", true, false);
        Llama2cReferenceForward ref = new Llama2cReferenceForward(Llama2cCheckpoint.read(Stories260K.checkpoint()));
        float[] logits = null;
        for (int pos = 0; pos < ids.length; pos++) {
            logits = ref.forward(ids[pos], pos);
        }
        double expected = 0;
        for (int i = 0; i < g.tokenCount(); i++) {
            int t = g.tokens()[i];
            expected += logits[t] - TokenDistributions.logSumExp(logits, 0, logits.length);
            logits = ref.forward(t, ids.length + i);
        }
        assertEquals(expected, g.logprob(), 1e-3);
        // Truncation renormalises: every kept token's probability can only grow.
        for (Sample s : engine.generate("Mom said", nucleus(20), SamplingEngine.rowsFor(4, 3, "lp", false))) {
            assertTrue(s.logprob() >= s.modelLogprob() - 1e-9, s.logprob() + " < " + s.modelLogprob());
        }
    }

    @Test
    void stopStringShouldEndTheSampleAndBeCutFromTheText() {
        DecodingParams p = DecodingParams.builder()
                .optTemperature(0)
                .optMaxNewTokens(40)
                .optStopStrings(List.of(".", "zzz"))
                .build();
        Sample s = engine.generate("Tim and his dog", p, SamplingEngine.rowsFor(1, 0, "stop", false))
                .get(0);
        assertEquals(", Max, went to the park with his mom", s.text());
        assertEquals(FinishReason.STOP, s.finish());
        assertTrue(s.tokenCount() < 40);
    }

    @Test
    void generationShouldStopAtTheModelContext() {
        int promptTokens = model.tokenizer().encode("Mom said", true, false).length;
        Sample s = engine.generate("Mom said", DecodingParams.greedy(10_000), SamplingEngine.rowsFor(0, 0, "ctx", true))
                .get(0);
        if (s.finish() == FinishReason.LENGTH) {
            assertEquals(model.maxContext() - promptTokens + 1, s.tokenCount());
        } else {
            assertEquals(FinishReason.EOS, s.finish());
            assertTrue(s.tokenCount() < model.maxContext() - promptTokens + 1);
        }
    }

    @Test
    void badParametersShouldBeRejectedWithAReason() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> DecodingParams.builder().optTopP(0).build());
        assertTrue(e.getMessage().contains("top-p"));
        assertThrows(
                IllegalArgumentException.class,
                () -> DecodingParams.builder().optTemperature(-1).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> DecodingParams.builder().optMaxNewTokens(0).build());
        int[] tooLong = new int[model.maxContext() + 1];
        assertThrows(
                IllegalArgumentException.class,
                () -> engine.generate(tooLong, DecodingParams.greedy(1), SamplingEngine.rowsFor(1, 0, "x", false)));
    }

    @Test
    void endTokenShouldFinishWithEosAndStayOutOfTheText() {
        // Scripted: the end token (id 3) is certain at the third generated step.
        try (ScriptedLm lm = new ScriptedLm(
                4, pos -> pos == 2 ? new float[] {-1e9f, -1e9f, -1e9f, 0f} : new float[] {0f, -1e9f, -1e9f, -1e9f})) {
            List<Sample> out = new SamplingEngine(lm)
                    .generate(
                            "b",
                            DecodingParams.builder().optMaxNewTokens(10).build(),
                            SamplingEngine.rowsFor(3, 0, "eos", true));
            for (Sample s : out) {
                assertEquals(FinishReason.EOS, s.finish());
                assertArrayEquals(new int[] {0, 0, 3}, s.tokens());
                assertEquals("aa", s.text());
            }
        }
    }

    @Test
    void generationShouldLeaveNoNativeArraysBehind() {
        int before = model.manager().getManagedArrays().size();
        engine.generate("Mom said", nucleus(30), SamplingEngine.rowsFor(16, 1, "leak", true));
        assertEquals(before, model.manager().getManagedArrays().size());
        assertTrue(before > 0, "the weights are counted, so the check can see arrays at all");
    }
}
