package dev.probeval.model.backend;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SamplingBackend} over a local {@link LanguageModel} (either engine): one batched {@link SamplingEngine}
 * call per request.
 */
public final class LocalBackend implements SamplingBackend {
    private final LanguageModel model;
    private final SamplingEngine engine;

    /** Takes ownership of the model: closing the backend closes it. */
    public LocalBackend(LanguageModel model) {
        this.model = model;
        this.engine = new SamplingEngine(model);
    }

    public LanguageModel model() {
        return model;
    }

    @Override
    public List<GeneratedSample> generate(GenerationRequest req) {
        List<SamplingEngine.Row> rows = new ArrayList<>();
        if (req.includeGreedy()) {
            rows.add(new SamplingEngine.Row(
                    SampleIds.GREEDY_INDEX,
                    SampleIds.sampleSeed(req.baseSeed(), req.requestId(), SampleIds.GREEDY_INDEX),
                    true));
        }
        for (int i = req.firstIndex(); i < req.firstIndex() + req.count(); i++) {
            rows.add(new SamplingEngine.Row(i, SampleIds.sampleSeed(req.baseSeed(), req.requestId(), i), false));
        }
        List<GeneratedSample> out = new ArrayList<>(rows.size());
        for (Sample s : engine.generate(req.prompt(), req.decoding(), rows)) {
            out.add(new GeneratedSample(
                    SampleIds.sampleId(req.requestId(), s.index()),
                    s.index(),
                    s.greedy() ? GeneratedSample.Kind.GREEDY : GeneratedSample.Kind.SAMPLED,
                    s.text(),
                    s.tokenCount(),
                    s.finish(),
                    s.logprob(),
                    s.modelLogprob(),
                    s.seed(),
                    s.adaptive()));
        }
        return out;
    }

    @Override
    public String describe() {
        return model.describe();
    }

    @Override
    public void close() {
        model.close();
    }
}
