package dev.probeval.benchmarks.sampling;

import ai.djl.engine.Engine;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.jvm.JvmGpt;
import dev.probeval.model.jvm.JvmLlama2c;
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
 * n samples × m new tokens of one prompt, per model kind: the DJL engine (PyTorch) and the plain-Java engine, each
 * batched (one prefill, all rows decoded together), side by side in one process with the same seeds, plus the
 * one-sample-at-a-time loop (the paper notebook's method, on the DJL engine) as the baseline. The loop draws the
 * first {@code min(n, loopRows)} rows only, since its rate does not depend on n. Checks: within each engine the
 * batched and the one-row samples are token-identical (per-sample seeding), and it reports how many samples the two
 * engines agree on.
 *
 * <p>Usage: {@code SamplingBenchmark STORIES_BIN TOKENIZER_BIN [n,n,...] [newTokens] [reps] [loopRows]}.
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
        int[] ns = Arrays.stream((args.length > 2 ? args[2] : "16,64,128,256").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int loopRows = args.length > 5 ? Integer.parseInt(args[5]) : 16;
        int threads = dev.probeval.model.backend.Engine.defaultThreads();
        System.out.printf(
                "DJL engine %s %s with %s intra-op threads; Java engine with %d threads; java %s, %d cores%n",
                Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                threads,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "%d new tokens per sample, T = 1.0, top-p = 0.9, best of %d repetitions; loop baseline over %d rows%n%n",
                newTokens, reps, loopRows);
        System.out.println("| model | n | loop (DJL) tok/s | DJL batched tok/s | Java batched tok/s | Java / DJL "
                + "| DJL peak RSS (MiB) | Java peak RSS (MiB) | samples equal across engines |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        try (Llama2cModel djl = Llama2cModel.load(bin, tok);
                JvmLlama2c jvm = JvmLlama2c.load(bin, tok, threads)) {
            bench("stories260K", djl, jvm, "Once upon a time", ns, newTokens, reps, loopRows);
        }
        GptConfig cfg = GptConfig.byteLevel(256, 128, 4, 4);
        try (GptModel djl = GptModel.create(cfg, 1);
                JvmGpt jvm = JvmGpt.of(djl, threads)) {
            bench(
                    "GPT d=128 4 layers",
                    djl,
                    jvm,
                    "Question: Who wrote the book?\nAnswer:",
                    ns,
                    newTokens,
                    reps,
                    loopRows);
        }
    }

    static void bench(
            String name,
            LanguageModel djl,
            LanguageModel jvm,
            String prompt,
            int[] ns,
            int newTokens,
            int reps,
            int loopRows) {
        SamplingEngine oldEngine = new SamplingEngine(djl);
        SamplingEngine newEngine = new SamplingEngine(jvm);
        DecodingParams p = DecodingParams.builder()
                .optTemperature(1.0)
                .optTopP(0.9)
                .optMaxNewTokens(newTokens)
                .build();
        int max = Arrays.stream(ns).max().orElse(16);
        List<SamplingEngine.Row> all = SamplingEngine.rowsFor(max, 2024, "bench", false);
        for (SamplingEngine e : List.of(oldEngine, newEngine)) {
            e.generate(prompt, p, all.subList(0, Math.min(max, 64)));
            e.generate(prompt, p, all.subList(0, 1));
        }
        Run loop = null;
        List<SamplingEngine.Row> loopList = all.subList(0, Math.min(loopRows, max));
        for (int r = 0; r < reps; r++) {
            Run l = measure(() -> {
                List<Sample> out = new ArrayList<>();
                for (SamplingEngine.Row row : loopList) {
                    out.addAll(oldEngine.generate(prompt, p, List.of(row)));
                }
                return out;
            });
            loop = loop == null || l.seconds < loop.seconds ? l : loop;
        }
        for (int n : ns) {
            List<SamplingEngine.Row> rows = all.subList(0, n);
            Run oldRun = null;
            Run newRun = null;
            for (int r = 0; r < reps; r++) {
                Run o = measure(() -> oldEngine.generate(prompt, p, rows));
                Run b = measure(() -> newEngine.generate(prompt, p, rows));
                oldRun = oldRun == null || o.seconds < oldRun.seconds ? o : oldRun;
                newRun = newRun == null || b.seconds < newRun.seconds ? b : newRun;
            }
            int agree = 0;
            for (int i = 0; i < n; i++) {
                if (Arrays.equals(
                        oldRun.samples.get(i).tokens(), newRun.samples.get(i).tokens())) {
                    agree++;
                }
            }
            System.out.printf(
                    "| %s | %d | %.0f | %.0f | %.0f | **%.1fx** | %d | %d | %d/%d |%n",
                    name,
                    n,
                    loop.tokensPerSecond(),
                    oldRun.tokensPerSecond(),
                    newRun.tokensPerSecond(),
                    newRun.tokensPerSecond() / oldRun.tokensPerSecond(),
                    oldRun.peakRssKb / 1024,
                    newRun.peakRssKb / 1024,
                    agree,
                    n);
        }
        // Per-sample seeding within each engine: a row drawn alone equals the same row drawn in the batch.
        for (SamplingEngine e : List.of(oldEngine, newEngine)) {
            List<Sample> batched = e.generate(prompt, p, loopList);
            int same = 0;
            for (int i = 0; i < loopList.size(); i++) {
                Sample alone = e.generate(prompt, p, List.of(loopList.get(i))).get(0);
                if (Arrays.equals(alone.tokens(), batched.get(i).tokens())) {
                    same++;
                }
            }
            System.err.printf(
                    "%s, %s: %d/%d samples token-identical drawn alone and in a batch%n",
                    name, e.model().describe(), same, loopList.size());
        }
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
