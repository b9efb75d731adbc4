package dev.probeval.worker;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.model.sampling.FinishReason;
import java.util.ArrayList;
import java.util.List;

/**
 * A model stand-in with deterministic output: sample i of a request reads {@link #text(int)}, with the id and seed a
 * real backend gives it. Records every request it gets, and fails on demand.
 */
final class FakeBackend implements SamplingBackend {
    /** Text that matches {@link Requests}' reference (ROUGE-L recall 1) for even indices, and nothing for odd ones. */
    static String text(int index) {
        return index % 2 == 0 ? "there was a little girl named Lily" : "zzz";
    }

    final List<GenerationRequest> calls = new ArrayList<>();
    /** Text of sample i (default {@link #text(int)}); tests replace it for other leak patterns. */
    volatile java.util.function.IntFunction<String> texts = FakeBackend::text;
    /** Thrown (once) by the next {@link #generate} call when set. */
    RuntimeException failNext;
    /** Thrown (once) by the next {@link #generate} call when set: an error such as a stack overflow. */
    Error errorNext;

    boolean closed;

    @Override
    public synchronized List<GeneratedSample> generate(GenerationRequest r) {
        calls.add(r);
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            throw e;
        }
        if (errorNext != null) {
            Error e = errorNext;
            errorNext = null;
            throw e;
        }
        List<GeneratedSample> out = new ArrayList<>();
        if (r.includeGreedy()) {
            out.add(sample(r, SampleIds.GREEDY_INDEX, GeneratedSample.Kind.GREEDY));
        }
        for (int i = r.firstIndex(); i < r.firstIndex() + r.count(); i++) {
            out.add(sample(r, i, GeneratedSample.Kind.SAMPLED));
        }
        return out;
    }

    private GeneratedSample sample(GenerationRequest r, int i, GeneratedSample.Kind kind) {
        return new GeneratedSample(
                SampleIds.sampleId(r.requestId(), i),
                i,
                kind,
                texts.apply(i),
                4,
                FinishReason.LENGTH,
                -2.0,
                -2.5,
                SampleIds.sampleSeed(r.baseSeed(), r.requestId(), i),
                null);
    }

    synchronized List<GenerationRequest> calls() {
        return List.copyOf(calls);
    }

    @Override
    public String describe() {
        return "fake backend";
    }

    @Override
    public void close() {
        closed = true;
    }
}
