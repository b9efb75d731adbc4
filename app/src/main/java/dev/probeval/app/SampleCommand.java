package dev.probeval.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.ModelLocation;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.model.sampling.AdaptiveStats;
import dev.probeval.model.sampling.AdaptiveTemperature;
import dev.probeval.model.sampling.DecodingParams;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval sample}: draws n samples plus the greedy baseline of one prompt from a local model (llama2.c
 * checkpoint or small-GPT directory) with the batched DJL engine and prints one JSON line per sample.
 */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        description = {
            "Sample continuations of a prompt from a local model; one JSON line per sample.",
            "Prints the greedy baseline (index -1) first, then samples 0..n-1; --greedy prints only the baseline."
        })
final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "prompt text (BOS is added)")
    String prompt;

    @Option(
            names = {"-n", "--num-samples"},
            defaultValue = "1",
            paramLabel = "N",
            description = "number of samples (default: ${DEFAULT-VALUE})")
    int n;

    @Mixin
    DecodingOptions decoding;

    @Option(
            names = "--request-id",
            defaultValue = "cli",
            paramLabel = "ID",
            description = "request id that names and seeds the samples (default: ${DEFAULT-VALUE})")
    String requestId;

    @Option(
            names = "--adaptive-statistic",
            defaultValue = "RUNNING_MEAN",
            paramLabel = "STAT",
            description = "Confidence statistic of adaptive temperature: ${COMPLETION-CANDIDATES} (default: "
                    + "${DEFAULT-VALUE}).")
    AdaptiveTemperature.Statistic adaptiveStatistic;

    @Option(names = "--stop", paramLabel = "STRING", description = "stop string (repeatable); cut from the text")
    List<String> stop = new ArrayList<>();

    @Option(names = "--greedy", description = "print only the greedy baseline")
    boolean greedyOnly;

    @Override
    public Integer call() throws IOException {
        GenerationRequest req = request();
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        try (SamplingBackend backend = open()) {
            for (GeneratedSample s : backend.generate(req)) {
                out.println(line(json, s));
            }
        }
        out.flush();
        return 0;
    }

    /** The request from the options, before the model is opened; the builders' range checks are the only ones. */
    private GenerationRequest request() {
        model.location();
        // DecodingParams checks temperature, top-p, top-k and the token budget when built.
        DecodingParams.Builder b = DecodingParams.builder()
                .optStopStrings(stop)
                .optTemperature(decoding.temperature)
                .optTopP(decoding.topP)
                .optTopK(decoding.topK)
                .optMaxNewTokens(decoding.maxNewTokens);
        if (decoding.adaptive) {
            Cli.option(
                    "--adaptive-threshold",
                    () -> b.optAdaptive(new AdaptiveTemperature(decoding.adaptiveThreshold, adaptiveStatistic)));
        }
        DecodingParams params = Cli.build(b::build);
        // A request of 0 samples is valid (the greedy baseline alone, what --greedy asks for); -n 0 is a typo.
        if (n < 1) {
            throw new UsageException("--num-samples must be >= 1, got " + n);
        }
        if (requestId.isEmpty()) {
            throw new UsageException("--request-id must not be empty");
        }
        return Cli.build(
                () -> new GenerationRequest(requestId, prompt, 0, greedyOnly ? 0 : n, params, decoding.seed, true));
    }

    private SamplingBackend open() {
        ModelLocation location = model.location();
        dev.probeval.model.backend.Engine chosen = engine.engine();
        try {
            return Models.openBackend(location, chosen);
        } catch (IOException | RuntimeException e) {
            throw new UsageException("cannot open model " + location.checkpoint() + ": " + Cli.oneLine(e.getMessage()));
        }
    }

    static String line(ObjectMapper json, GeneratedSample s) throws JsonProcessingException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", s.index());
        m.put("kind", s.kind().name());
        m.put("text", s.text());
        m.put("tokens", s.tokens());
        m.put("finish", s.finish().name());
        m.put("logprob", s.logprob());
        AdaptiveStats a = s.adaptive();
        if (a != null) {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("threshold", a.threshold());
            am.put("statistic", a.statistic().name());
            am.put("greedySteps", a.greedySteps());
            am.put("sampledSteps", a.sampledSteps());
            am.put("meanTopProbability", a.meanTopProbability());
            m.put("adaptive", am);
        }
        return json.writeValueAsString(m);
    }
}
