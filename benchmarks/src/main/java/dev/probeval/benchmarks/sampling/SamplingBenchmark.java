package dev.probeval.benchmarks.sampling;

import ai.djl.engine.Engine;
import dev.probeval.model.CausalLm;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.llama2c.Llama2cModel;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * n samples × m new tokens of one prompt: the batched engine (one prefill, all rows decoded together) against the
 * reference method (n separate generate calls of one row each, as the paper's notebook does), same model, same
 * seeds, same process. Both must produce the same tokens (per-sample seeding), which the benchmark checks.
 *
 * <p>Usage: {@code SamplingBenchmark STORIES_BIN TOKENIZER_BIN [n] [newTokens] [reps]}.
 */
public final class SamplingBenchmark {
    private SamplingBenchmark() {}

    record Run(double seconds, long tokens, long peakRssKb, List<Sample> samples) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public static void main(String[] args) throws IOException {
        Path bin = Path.of(args[0]);
        Path tok = Path.of(args[1]);
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        System.out.printf(
                "engine %s %s, device threads %s, java %s, cores %d%n",
                Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "n = %d samples x %d new tokens, T = 1.0, top-p = 0.9, best of %d repetitions%n%n", n, newTokens, reps);
        System.out.println("| model | params | method | tokens | seconds | tokens/s | peak RSS (MiB) | speed-up |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        try (Llama2cModel stories = Llama2cModel.load(bin, tok)) {
            bench("stories260K (llama2.c)", "260 K", stories, "Once upon a time", n, newTokens, reps);
        }
        GptConfig cfg = GptConfig.byteLevel(256, 128, 4, 4);
        try (GptModel gpt = GptModel.create(cfg, 1)) {
            bench(
                    "small GPT (random init, byte-level, d=128, 4 layers)",
                    String.format("%.2f M", cfg.parameterCount() / 1e6),
                    gpt,
                    "Question: Who wrote the book?\nAnswer:",
                    n,
                    newTokens,
                    reps);
        }
    }

    static void bench(String name, String params, CausalLm model, String prompt, int n, int newTokens, int reps) {
        SamplingEngine engine = new SamplingEngine(model);
        DecodingParams p = DecodingParams.builder()
                .optTemperature(1.0)
                .optTopP(0.9)
                .optMaxNewTokens(newTokens)
                .build();
        List<SamplingEngine.Row> rows = SamplingEngine.rowsFor(n, 2024, "bench", false);
        // Warm-up: both paths, a few rows.
        engine.generate(prompt, p, rows.subList(0, 8));
        engine.generate(prompt, p, rows.subList(0, 1));
        Run batched = null;
        Run loop = null;
        for (int r = 0; r < reps; r++) {
            Run b = measure(() -> engine.generate(prompt, p, rows));
            Run l = measure(() -> {
                List<Sample> out = new ArrayList<>();
                for (SamplingEngine.Row row : rows) {
                    out.addAll(engine.generate(prompt, p, List.of(row)));
                }
                return out;
            });
            batched = batched == null || b.seconds < batched.seconds ? b : batched;
            loop = loop == null || l.seconds < loop.seconds ? l : loop;
        }
        int same = 0;
        for (int i = 0; i < n; i++) {
            if (Arrays.equals(
                    batched.samples.get(i).tokens(), loop.samples.get(i).tokens())) {
                same++;
            }
        }
        System.out.printf(
                "| %s | %s | one-at-a-time loop (%d calls) | %d | %.2f | %.0f | %d | 1.0x |%n",
                name, params, n, loop.tokens, loop.seconds, loop.tokensPerSecond(), loop.peakRssKb / 1024);
        System.out.printf(
                "| %s | %s | batched engine (1 call) | %d | %.2f | %.0f | %d | **%.1fx** |%n",
                name,
                params,
                batched.tokens,
                batched.seconds,
                batched.tokensPerSecond(),
                batched.peakRssKb / 1024,
                batched.tokensPerSecond() / loop.tokensPerSecond());
        System.err.printf("%s: %d/%d samples token-identical between batched and loop%n", name, same, n);
    }

    interface Work {
        List<Sample> run();
    }

    static Run measure(Work w) {
        resetPeakRss();
        long t0 = System.nanoTime();
        List<Sample> out = w.run();
        double s = (System.nanoTime() - t0) / 1e9;
        long tokens = out.stream().mapToLong(Sample::tokenCount).sum();
        return new Run(s, tokens, peakRssKb(), out);
    }

    /** Linux: writing 5 to clear_refs resets VmHWM so each phase reports its own peak. */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux or not permitted: VmHWM is then the process-wide peak
        }
    }

    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
