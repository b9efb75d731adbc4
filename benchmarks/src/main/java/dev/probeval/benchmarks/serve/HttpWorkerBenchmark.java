package dev.probeval.benchmarks.serve;

import dev.probeval.model.CausalLm;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.serve.OpenAiServer;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP path: the worker end to end (request on the topic → scored samples committed, {@link
 * WorkerPath}) with the in-process DJL backend versus the HTTP sampler backend against {@code probeval serve}
 * ({@link OpenAiServer} on loopback, in this process, over the same model), on the same requests and seeds. The HTTP
 * backend sends one call per sample (n = 1, the sample's in-process seed) with {@code maxConcurrency} in flight; the
 * server merges concurrent calls of one prompt into one batch. Target: the HTTP path at ≥ 0.8× the in-process one.
 * The samples must be the same texts; the benchmark counts the matches.
 *
 * <p>A single request takes about a second, so one run of it is mostly noise on a small machine (decode times of the
 * same batch varied by ±20 % from run to run): it runs {@code reps} times, each path in turn with a fresh request id,
 * and the benchmark reports each pair and the median of the per-pair ratios. The queue runs twice per path, in the
 * order in-process, HTTP, HTTP, in-process, on two sets of request ids.
 *
 * <p>Usage: {@code HttpWorkerBenchmark MODEL_PATH TOKENIZER_OR_- [n] [newTokens] [queue] [chunk] [maxConcurrency]
 * [reps] [warmups]}.
 */
public final class HttpWorkerBenchmark {
    private static final String[] OPENERS = {
        "Once upon a time",
        "Tim and his dog",
        "Mom said",
        "There was a big tree",
        "Lily wanted to",
        "The sun was hot",
        "One day, a little bird",
        "Sam found a box",
        "The cat sat on",
        "Anna had a red ball"
    };
    private static final long BASE_SEED = 2024;

    private HttpWorkerBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path tok = args.length > 1 && !args[1].equals("-") ? Path.of(args[1]) : null;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int queue = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        int chunk = args.length > 5 ? Integer.parseInt(args[5]) : 128;
        int concurrency = args.length > 6 ? Integer.parseInt(args[6]) : 128;
        int reps = args.length > 7 ? Integer.parseInt(args[7]) : 5;
        int warmups = args.length > 8 ? Integer.parseInt(args[8]) : 10;
        String threads = PyTorchThreads.applyDefault();
        try (CausalLm lm = Models.open(model, tok);
                OpenAiServer server = OpenAiServer.builder(lm)
                        .modelName("bench")
                        .port(0)
                        .maxN(Math.max(n, 256))
                        .maxTokens(Math.max(newTokens, 1024))
                        .maxThreads(Math.max(64, concurrency + 8))
                        .start()) {
            System.out.printf(
                    "model %s, n = %d samples x %d new tokens, T = 1.0, top-p = 0.9, queue of %d requests, "
                            + "chunk %d, HTTP maxConcurrency %d, %d warm-up requests, one request %d times, cores %d, PyTorch threads %s, java %s%n%n",
                    lm.describe(),
                    n,
                    newTokens,
                    queue,
                    chunk,
                    concurrency,
                    warmups,
                    reps,
                    Runtime.getRuntime().availableProcessors(),
                    threads,
                    System.getProperty("java.version"));
            ModelSpec http = ModelCatalog.parseEntry(
                    "bench=" + server.url() + ",model=bench,maxConcurrency=" + concurrency + ",timeout=600s", null);
            List<ServeBenchmark.Req> many = new ArrayList<>();
            for (int r = 0; r < queue; r++) {
                many.add(new ServeBenchmark.Req("queue-" + r, OPENERS[r % OPENERS.length] + " (" + r + ")"));
            }
            System.out.println(
                    "| requests | path | samples | tokens | seconds | samples/s | tokens/s | × in-process worker "
                            + "| same texts |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            List<Double> ratios = new ArrayList<>();
            double queueRatio;
            try (WorkerPath local = new WorkerPath(lm, chunk);
                    WorkerPath remote = new WorkerPath(http, chunk)) {
                // Warm-up at the measured shape (default 10 requests per path), as a worker that has served a while: it
                // opens
                // the HTTP client's pool of connections (one per concurrent call) and lets the JIT compile the per-call
                // Java
                // code of both HTTP ends. After one warm-up request a chunk's 128 calls took 75-200 ms to reach serve;
                // the
                // same 128 calls in a loop of a warmed JVM take 14-18 ms, so one warm-up request measured unoptimised
                // code.
                List<ServeBenchmark.Req> warm = ServeBenchmark.warmRequests(warmups);
                local.run(warm, n, newTokens, BASE_SEED);
                remote.run(warm, n, newTokens, BASE_SEED);
                for (int k = 0; k < reps; k++) {
                    // A fresh id per repetition (the worker draws an id once); both paths get the same one, so the same
                    // seeds.
                    List<ServeBenchmark.Req> one =
                            List.of(new ServeBenchmark.Req("one-" + k, OPENERS[k % OPENERS.length]));
                    ServeBenchmark.Result a = local.run(one, n, newTokens, BASE_SEED);
                    row(1, "worker end to end, in-process DJL backend", a, a, "—");
                    ServeBenchmark.Result b = remote.run(one, n, newTokens, BASE_SEED);
                    row(
                            1,
                            "worker end to end, HTTP backend → probeval serve (n = 1 per call)",
                            b,
                            a,
                            same(a, b) + " / " + b.samples());
                    ratios.add(a.seconds() / b.seconds());
                }
                // The queue twice, in the order in-process, HTTP, HTTP, in-process (each pair on its own request ids):
                // the
                // machine's speed drifts by 10-20 % over the ~20 s a queue takes, and this order cancels a linear
                // drift.
                List<ServeBenchmark.Req> second = new ArrayList<>();
                for (ServeBenchmark.Req r : many) {
                    second.add(new ServeBenchmark.Req(r.id() + "-b", r.prompt()));
                }
                ServeBenchmark.Result a1 = local.run(many, n, newTokens, BASE_SEED);
                row(many.size(), "worker end to end, in-process DJL backend (1st)", a1, a1, "—");
                ServeBenchmark.Result b1 = remote.run(many, n, newTokens, BASE_SEED);
                row(
                        many.size(),
                        "worker end to end, HTTP backend → probeval serve (n = 1 per call) (1st)",
                        b1,
                        a1,
                        same(a1, b1) + " / " + b1.samples());
                ServeBenchmark.Result b2 = remote.run(second, n, newTokens, BASE_SEED);
                ServeBenchmark.Result a2 = local.run(second, n, newTokens, BASE_SEED);
                row(
                        many.size(),
                        "worker end to end, HTTP backend → probeval serve (n = 1 per call) (2nd)",
                        b2,
                        a2,
                        same(a2, b2) + " / " + b2.samples());
                row(many.size(), "worker end to end, in-process DJL backend (2nd)", a2, a2, "—");
                queueRatio = (a1.seconds() + a2.seconds()) / (b1.seconds() + b2.seconds());
            }
            List<Double> sorted = new ArrayList<>(ratios);
            sorted.sort(null);
            double median = sorted.size() % 2 == 1
                    ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            System.out.printf(
                    "%none request, HTTP / in-process over %d interleaved pairs: median %.2f× (min %.2f×, max %.2f×)%n",
                    ratios.size(), median, sorted.get(0), sorted.get(sorted.size() - 1));
            System.out.printf(
                    "queue of %d, HTTP / in-process over both runs (in-process, HTTP, HTTP, in-process): %.2f×%n",
                    queue, queueRatio);
        }
    }

    private static void row(
            int requests, String path, ServeBenchmark.Result r, ServeBenchmark.Result base, String same) {
        System.out.printf(
                "| %d | %s | %d | %d | %.2f | %.0f | %.0f | %.2f | %s |%n",
                requests,
                path,
                r.samples(),
                r.tokens(),
                r.seconds(),
                r.samples() / r.seconds(),
                r.tokens() / r.seconds(),
                base.seconds() / r.seconds(),
                same);
    }

    private static long same(ServeBenchmark.Result a, ServeBenchmark.Result b) {
        long same = 0;
        for (int r = 0; r < a.texts().size(); r++) {
            for (int i = 0; i < a.texts().get(r).size(); i++) {
                if (a.texts().get(r).get(i).equals(b.texts().get(r).get(i))) {
                    same++;
                }
            }
        }
        return same;
    }
}
