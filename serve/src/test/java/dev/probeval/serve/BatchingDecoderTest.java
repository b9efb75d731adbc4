package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.model.Stories260K;
import dev.probeval.model.llama2c.Llama2cModel;
import dev.probeval.model.sampling.AdaptiveTemperature;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How serve's decoder groups concurrent calls into batches, and that grouping never changes a sample. */
class BatchingDecoderTest {
    static final DecodingParams SAMPLED = DecodingParams.builder()
            .optTemperature(1.0)
            .optTopP(0.9)
            .optMaxNewTokens(24)
            .build();
    static final DecodingParams GREEDY = DecodingParams.greedy(24);
    static Llama2cModel model;
    static SamplingEngine engine;
    static BatchingDecoder decoder;
    static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
        engine = new SamplingEngine(model);
        decoder = new BatchingDecoder(engine, 16, "test-decoder");
        prompt = model.tokenizer().encode("Tim and his dog", model.tokenizer().bosId() >= 0, false);
    }

    @AfterAll
    static void close() {
        if (decoder != null) {
            decoder.close();
        }
        if (model != null) {
            model.close();
        }
    }

    static BatchingDecoder.Job job(int[] p, DecodingParams params, int firstIndex, int count) {
        List<SamplingEngine.Row> rows = new ArrayList<>();
        for (int i = firstIndex; i < firstIndex + count; i++) {
            rows.add(new SamplingEngine.Row(i, 1000L + i, false));
        }
        return new BatchingDecoder.Job(p, params, rows, 0, null, new CompletableFuture<>());
    }

    @Test
    void aQuietWaitThatOversleptShouldNotEndTheGathering() {
        long quiet = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(BatchingDecoder.QUIET_MS);
        assertFalse(BatchingDecoder.stalled(quiet), "a wait of the quiet time is the clients' quiet");
        assertFalse(BatchingDecoder.stalled(quiet + quiet / 2), "scheduling slack is still quiet");
        assertTrue(BatchingDecoder.stalled(3 * quiet), "a wait three times as long was a stall of the process");
    }

    @Test
    void aGreedyCallShouldRideInTheSampledBatchOfItsPrompt() {
        BatchingDecoder.Job sampled = job(prompt, SAMPLED, 0, 8);
        BatchingDecoder.Job greedy = job(prompt, GREEDY, -1, 1);
        assertEquals(List.of(List.of(sampled, greedy)), decoder.groups(List.of(greedy, sampled)));
    }

    @Test
    void aGreedyCallShouldDecodeAloneWhenNoSampledBatchFitsIt() {
        BatchingDecoder.Job sampled = job(prompt, SAMPLED, 0, 8);
        BatchingDecoder.Job otherBudget = job(prompt, DecodingParams.greedy(12), -1, 1);
        BatchingDecoder.Job otherPrompt = job(new int[] {prompt[0]}, GREEDY, -1, 1);
        BatchingDecoder.Job stops = job(
                prompt,
                DecodingParams.builder()
                        .optTemperature(0)
                        .optMaxNewTokens(24)
                        .optStopStrings(List.of("."))
                        .build(),
                -1,
                1);
        BatchingDecoder.Job adaptive = job(
                prompt,
                DecodingParams.builder()
                        .optTemperature(0)
                        .optMaxNewTokens(24)
                        .optAdaptive(AdaptiveTemperature.runningMean(0.9))
                        .build(),
                -1,
                1);
        List<List<BatchingDecoder.Job>> groups =
                decoder.groups(List.of(sampled, otherBudget, otherPrompt, stops, adaptive));
        assertEquals(5, groups.size(), "only a greedy call with the batch's prompt, budget and stops may ride in it");
        assertEquals(List.of(sampled), groups.get(0));
    }

    @Test
    void aGreedyCallShouldNotOverfillAFullBatch() {
        BatchingDecoder.Job full = job(prompt, SAMPLED, 0, 16);
        BatchingDecoder.Job greedy = job(prompt, GREEDY, -1, 1);
        assertEquals(List.of(List.of(full), List.of(greedy)), decoder.groups(List.of(full, greedy)));
    }

    @Test
    void aRidingGreedyCallShouldGetWhatItGetsDecodedAloneAndTheSamplesTheirOwn() {
        BatchingDecoder.Job sampled = job(prompt, SAMPLED, 0, 8);
        BatchingDecoder.Job greedy = job(prompt, GREEDY, -1, 1);
        List<List<BatchingDecoder.Job>> groups = decoder.groups(List.of(sampled, greedy));
        assertEquals(1, groups.size());
        decoder.run(groups.get(0));

        Sample alone = engine.generate(prompt, GREEDY, greedy.rows()).get(0);
        Sample riding = greedy.result().join().get(0);
        assertArrayEquals(alone.tokens(), riding.tokens(), "greedy tokens");
        assertEquals(alone.text(), riding.text());
        assertEquals(alone.finish(), riding.finish());
        assertEquals(alone.logprob(), riding.logprob(), 1e-5, "greedy log-probability (untempered either way)");
        assertEquals(-1, riding.index());

        // The in-process backend's batch: greedy row first, then the samples, all in one generate call.
        List<SamplingEngine.Row> inProcess = new ArrayList<>();
        inProcess.add(new SamplingEngine.Row(-1, 999L, true));
        inProcess.addAll(sampled.rows());
        List<Sample> expected = engine.generate(prompt, SAMPLED, inProcess).subList(1, 9);
        List<Sample> got = sampled.result().join();
        assertEquals(8, got.size());
        boolean anySampledDiffersFromGreedy = false;
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(expected.get(i).tokens(), got.get(i).tokens(), "sample " + i);
            assertFalse(got.get(i).greedy(), "sample " + i + " is a sampled row");
            anySampledDiffersFromGreedy |= !got.get(i).text().equals(riding.text());
        }
        // The samples really were drawn at T = 1 / top-p 0.9, not greedily like the riding row.
        assertEquals(true, anySampledDiffersFromGreedy, "at least one sample differs from the greedy text");
    }
}
