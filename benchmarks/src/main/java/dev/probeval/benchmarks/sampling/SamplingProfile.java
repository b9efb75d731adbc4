package dev.probeval.benchmarks.sampling;

import dev.probeval.model.LanguageModel;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.jvm.JvmGpt;
import dev.probeval.model.jvm.JvmLlama2c;
import dev.probeval.model.llama2c.Llama2cModel;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.SamplingEngine;
import java.nio.file.Path;
import java.util.List;

/**
 * One engine decoding one batch over and over for a fixed time, for a profiler (JFR) to watch: the workload of
 * {@link SamplingBenchmark} without the other engine in the same process.
 *
 * <p>Usage: {@code SamplingProfile STORIES_BIN TOKENIZER_BIN (djl|java) (stories|gpt) n seconds}.
 */
public final class SamplingProfile {
    private SamplingProfile() {}

    public static void main(String[] args) throws Exception {
        Path bin = Path.of(args[0]);
        Path tok = Path.of(args[1]);
        boolean java = args[2].equals("java");
        boolean gpt = args[3].equals("gpt");
        int n = Integer.parseInt(args[4]);
        double seconds = Double.parseDouble(args[5]);
        int threads = dev.probeval.model.backend.Engine.defaultThreads();
        GptModel gptModel = gpt ? GptModel.create(GptConfig.byteLevel(256, 128, 4, 4), 1) : null;
        try (LanguageModel model = gpt
                ? (java ? JvmGpt.of(gptModel, threads) : gptModel)
                : java ? JvmLlama2c.load(bin, tok, threads) : Llama2cModel.load(bin, tok)) {
            SamplingEngine engine = new SamplingEngine(model);
            String prompt = gpt ? "Question: Who wrote the book?\nAnswer:" : "Once upon a time";
            DecodingParams p = DecodingParams.builder()
                    .optTemperature(1.0)
                    .optTopP(0.9)
                    .optMaxNewTokens(64)
                    .build();
            List<SamplingEngine.Row> rows = SamplingEngine.rowsFor(n, 2024, "profile", false);
            long tokens = 0;
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                tokens += engine.generate(prompt, p, rows).stream()
                        .mapToLong(s -> s.tokenCount())
                        .sum();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s: %d tokens in %.1f s = %.0f tokens/s%n", model.describe(), tokens, s, tokens / s);
        } finally {
            if (gptModel != null) {
                gptModel.close();
            }
        }
    }
}
