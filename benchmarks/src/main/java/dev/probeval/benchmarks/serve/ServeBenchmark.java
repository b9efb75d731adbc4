package dev.probeval.benchmarks.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.CausalLm;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import dev.probeval.serve.OpenAiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The in-process comparison: the same requests (n samples × m new tokens each, same model, same seeds, same
 * process) drawn by the {@link SamplingEngine} alone and through {@code probeval serve} ({@link OpenAiServer} on
 * loopback, real HTTP): one call with {@code n} per request, and one call per sample (n = 1, seed = the sample's
 * in-process seed) with C concurrent calls, the way the HTTP sampler backend seeds. Each case runs for one request
 * and for a queue of Q requests (distinct prompts and request ids). Per-sample calls must reproduce the engine's
 * samples token for token; the benchmark counts the matches.
 *
 * With a chunk size, the worker end to end ({@link WorkerPath}: request on the topic → scored samples committed)
 * runs on the same requests too.
 *
 * <p>Usage: {@code ServeBenchmark MODEL_PATH TOKENIZER_OR_- [n] [newTokens] [queue] [concurrency,...] [reps]
 * [workerChunk, 0 = no worker] [warm-up requests per path] [single-request rounds]}. The queue's rows are
 * the best of {@code reps}; the single request's the median of {@code rounds} interleaved rounds.
 */
public final class ServeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        "Anna had a red ball",
        "It was a rainy day",
        "Ben liked to run",
        "The little girl saw",
        "A boy named Tom",
        "In the park, there",
        "The dog was happy",
        "Sue and her mom",
        "The big bear",
        "At night, the moon",
        "The fish swam"
    };
    private static final long BASE_SEED = 2024;

    private ServeBenchmark() {}

    record Req(String id, String prompt) {}

    record Result(double seconds, long samples, long tokens, List<List<String>> texts) {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path tok = args.length > 1 && !args[1].equals("-") ? Path.of(args[1]) : null;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int queue = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        List<Integer> concurrency = new ArrayList<>();
        for (String c : (args.length > 5 ? args[5] : "16,128").split(",")) {
            concurrency.add(Integer.parseInt(c.strip()));
        }
        int reps = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        int chunk = args.length > 7 ? Integer.parseInt(args[7]) : 0;
        int warmups = args.length > 8 ? Integer.parseInt(args[8]) : 10;
        int rounds = args.length > 9 ? Integer.parseInt(args[9]) : 5;
        String threads = PyTorchThreads.applyDefault();
        DecodingParams p = DecodingParams.builder()
                .optTemperature(1.0)
                .optTopP(0.9)
                .optMaxNewTokens(newTokens)
                .build();
        try (CausalLm lm = Models.open(model, tok);
                OpenAiServer server = OpenAiServer.builder(lm)
                        .modelName("bench")
                        .port(0)
                        .maxN(Math.max(n, 256))
                        .maxTokens(Math.max(newTokens, 1024))
                        .maxThreads(Math.max(
                                64,
                                concurrency.stream()
                                                .mapToInt(Integer::intValue)
                                                .max()
                                                .orElse(1)
                                        + 8))
                        .start()) {
            System.out.printf(
                    "model %s, n = %d samples x %d new tokens, T = 1.0, top-p = 0.9, queue of %d requests, "
                            + "cores %d, PyTorch threads %s, java %s, best of %d, %d warm-up requests per path%n%n",
                    lm.describe(),
                    n,
                    newTokens,
                    queue,
                    Runtime.getRuntime().availableProcessors(),
                    threads,
                    System.getProperty("java.version"),
                    reps,
                    warmups);
            HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            SamplingEngine engine = new SamplingEngine(lm);
            // Distinct request ids everywhere: the worker path must see each request once.
            // Warm-up of every path at the measured shape (default 10 requests, 7-10 s each), as a process that has
            // served
            // a while: the per-sample Java code (HTTP ends, scoring, Avro, Kafka sends) runs ~128 times per request and
            // the
            // JIT's optimising tier takes thousands of calls, so a single measured request of ~1 s would otherwise pay
            // for
            // compilation in the paths that have the most Java code.
            List<Req> warm = warmRequests(warmups);
            WorkerPath worker = chunk > 0 ? new WorkerPath(lm, chunk) : null;
            if (worker != null) {
                worker.run(warm, n, newTokens, BASE_SEED);
            }
            engine(engine, warm, n, p);
            perCall(http, server, warm, n, newTokens);
            for (int c : concurrency) {
                perSample(http, server, warm, n, newTokens, c);
            }

            System.out.println(
                    "| requests | path | calls | samples | tokens | seconds | samples/s | tokens/s | × engine "
                            + "| same tokens as engine |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|");
            // One request takes about a second, so one run of it is mostly noise here: `rounds` rounds, every path in
            // turn
            // on the round's own request id (so the same seeds in all paths), and the median of each path's times.
            List<Result> eng = new ArrayList<>();
            List<Result> call = new ArrayList<>();
            Map<Integer, List<Result>> per = new TreeMap<>();
            Map<Integer, Long> perSame = new TreeMap<>();
            List<Result> work = new ArrayList<>();
            long workSame = 0;
            List<Double> workRatios = new ArrayList<>();
            List<WorkerPath.Shares> oneShares = new ArrayList<>();
            List<Double> oneE2e = new ArrayList<>();
            for (int k = 0; k < rounds; k++) {
                List<Req> one = List.of(new Req("one-" + k, OPENERS[k % OPENERS.length]));
                Result base = engine(engine, one, n, p);
                eng.add(base);
                call.add(perCall(http, server, one, n, newTokens));
                for (int c : concurrency) {
                    Result x = perSample(http, server, one, n, newTokens, c);
                    per.computeIfAbsent(c, key -> new ArrayList<>()).add(x);
                    perSame.merge(c, same(base, x), Long::sum);
                }
                if (worker != null) {
                    Result w = worker.run(one, n, newTokens, BASE_SEED);
                    oneShares.add(worker.lastShares());
                    oneE2e.add(w.seconds());
                    work.add(w);
                    workSame += same(base, w);
                    workRatios.add(base.seconds() / w.seconds());
                }
            }
            String of = " (median of " + rounds + ")";
            Result base1 = median(eng);
            row(1, "engine alone (one batched call per request)" + of, 1, base1, base1, null);
            row(
                    1,
                    "serve, one call per request (n = " + n + ", seed = request's)" + of,
                    1,
                    median(call),
                    base1,
                    "n/a (rows seeded from the call's seed)");
            for (int c : concurrency) {
                row(
                        1,
                        "serve, one call per sample (n = 1, seed = sample's), " + c + " concurrent" + of,
                        n,
                        median(per.get(c)),
                        base1,
                        perSame.get(c) + " / " + (long) rounds * n);
            }
            if (worker != null) {
                row(
                        1,
                        "worker end to end (embedded broker, chunk " + chunk + ", scored, committed)" + of,
                        1,
                        median(work),
                        base1,
                        workSame + " / " + (long) rounds * n);
            }
            List<Req> many = new ArrayList<>();
            for (int r = 0; r < queue; r++) {
                many.add(new Req("queue-" + r, OPENERS[r % OPENERS.length]));
            }
            Result base = best(reps, () -> engine(engine, many, n, p));
            row(many.size(), "engine alone (one batched call per request)", many.size(), base, base, null);
            Result perRequest = best(reps, () -> perCall(http, server, many, n, newTokens));
            row(
                    many.size(),
                    "serve, one call per request (n = " + n + ", seed = request's)",
                    many.size(),
                    perRequest,
                    base,
                    "n/a (rows seeded from the call's seed)");
            for (int c : concurrency) {
                Result x = best(reps, () -> perSample(http, server, many, n, newTokens, c));
                row(
                        many.size(),
                        "serve, one call per sample (n = 1, seed = sample's), " + c + " concurrent",
                        many.size() * n,
                        x,
                        base,
                        same(base, x) + " / " + x.samples());
            }
            if (worker != null) {
                // Once per id set: the worker sees each request id once (a redelivered id is not drawn again). A second
                // set
                // runs worker first, then the engine, so the two pairs together cancel a linear drift of the machine's
                // speed
                // (10-20 % over the minutes a run takes).
                Result w = worker.run(many, n, newTokens, BASE_SEED);
                WorkerPath.Shares queueShares = worker.lastShares();
                row(
                        many.size(),
                        "worker end to end (embedded broker, chunk " + chunk + ", scored, committed)",
                        many.size(),
                        w,
                        base,
                        same(base, w) + " / " + w.samples());
                List<Req> second = new ArrayList<>();
                for (Req r : many) {
                    second.add(new Req(r.id() + "-b", r.prompt()));
                }
                Result w2 = worker.run(second, n, newTokens, BASE_SEED);
                Result base2 = engine(engine, second, n, p);
                row(
                        many.size(),
                        "worker end to end, 2nd id set (run before its engine row)",
                        many.size(),
                        w2,
                        base2,
                        same(base2, w2) + " / " + w2.samples());
                row(many.size(), "engine alone, 2nd id set", many.size(), base2, base2, null);
                System.out.printf(
                        "%nqueue of %d, worker end to end / engine alone over both id sets (engine, worker, worker, "
                                + "engine): %.2f×%n",
                        many.size(), (base.seconds() + base2.seconds()) / (w.seconds() + w2.seconds()));
                workRatios.sort(null);
                System.out.printf(
                        "%none request, worker end to end / engine alone per round: %s%n",
                        workRatios.stream().map(x -> String.format("%.2f×", x)).toList());
                // The worker's own timers: not a ratio of two noisy runs but the split of the same chunks' wall time.
                double chunkS = oneShares.stream()
                        .mapToDouble(WorkerPath.Shares::chunkSeconds)
                        .sum();
                double drawS = oneShares.stream()
                        .mapToDouble(WorkerPath.Shares::drawSeconds)
                        .sum();
                double e2eS = oneE2e.stream().mapToDouble(Double::doubleValue).sum();
                System.out.printf(
                        "worker's own time (scoring, serialising, producing, committing), from its timers: one "
                                + "request %.1f ms per chunk = %.1f %% of its chunk time (%d rounds; end to end %.1f ms per request "
                                + "beyond its chunk: producing the request, the worker's poll, starting the request); queue of %d %.1f ms per chunk = %.1f %% "
                                + "(%d chunks)%n",
                        1000 * (chunkS - drawS) / oneShares.size(),
                        100 * (chunkS - drawS) / chunkS,
                        oneShares.size(),
                        1000 * (e2eS - chunkS) / oneShares.size(),
                        many.size(),
                        1000 * (queueShares.chunkSeconds() - queueShares.drawSeconds()) / queueShares.chunks(),
                        queueShares.ownPercent(),
                        queueShares.chunks());
            }
            if (worker != null) {
                worker.close();
            }
        }
    }

    interface Run {
        Result run() throws Exception;
    }

    /** {@code count} warm-up requests with distinct ids and prompts (a worker draws each id once). */
    static List<Req> warmRequests(int count) {
        List<Req> warm = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            warm.add(new Req("warm-" + w, "Warm up (" + w + ")"));
        }
        return warm;
    }

    /** The run of median time (the upper middle one for an even count). */
    private static Result median(List<Result> runs) {
        List<Result> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Result::seconds));
        return sorted.get(sorted.size() / 2);
    }

    private static Result best(int reps, Run r) throws Exception {
        Result best = null;
        for (int i = 0; i < reps; i++) {
            Result x = r.run();
            best = best == null || x.seconds() < best.seconds() ? x : best;
        }
        return best;
    }

    private static void row(int requests, String path, int calls, Result r, Result base, String same) {
        System.out.printf(
                "| %d | %s | %d | %d | %d | %.2f | %.0f | %.0f | %.2f | %s |%n",
                requests,
                path,
                calls,
                r.samples(),
                r.tokens(),
                r.seconds(),
                r.samples() / r.seconds(),
                r.tokens() / r.seconds(),
                base.seconds() / r.seconds(),
                same == null ? "—" : same);
    }

    private static long same(Result a, Result b) {
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

    private static Result engine(SamplingEngine engine, List<Req> reqs, int n, DecodingParams p) {
        long t0 = System.nanoTime();
        long tokens = 0;
        List<List<String>> texts = new ArrayList<>();
        for (Req r : reqs) {
            List<Sample> out = engine.generate(r.prompt(), p, SamplingEngine.rowsFor(n, BASE_SEED, r.id(), false));
            List<String> t = new ArrayList<>();
            for (Sample s : out) {
                tokens += s.tokenCount();
                t.add(s.text());
            }
            texts.add(t);
        }
        return new Result((System.nanoTime() - t0) / 1e9, (long) reqs.size() * n, tokens, texts);
    }

    private static ObjectNode body(String prompt, int n, long seed, int newTokens) {
        return JSON.createObjectNode()
                .put("model", "bench")
                .put("prompt", prompt)
                .put("n", n)
                .put("seed", seed)
                .put("max_tokens", newTokens)
                .put("temperature", 1.0)
                .put("top_p", 0.9);
    }

    private static JsonNode post(HttpClient http, OpenAiServer server, ObjectNode body)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The requests one after another, each one call with all n choices. */
    private static Result perCall(HttpClient http, OpenAiServer server, List<Req> reqs, int n, int newTokens)
            throws Exception {
        long t0 = System.nanoTime();
        long tokens = 0;
        List<List<String>> texts = new ArrayList<>();
        for (Req r : reqs) {
            JsonNode j = post(http, server, body(r.prompt(), n, SampleIds.sampleSeed(BASE_SEED, r.id(), 0), newTokens));
            tokens += j.get("usage").get("completion_tokens").asLong();
            List<String> t = new ArrayList<>();
            j.get("choices").forEach(c -> t.add(c.get("text").asText()));
            texts.add(t);
        }
        return new Result((System.nanoTime() - t0) / 1e9, (long) reqs.size() * n, tokens, texts);
    }

    /** Every sample of every request its own call, at most {@code concurrency} in flight. */
    private static Result perSample(
            HttpClient http, OpenAiServer server, List<Req> reqs, int n, int newTokens, int concurrency)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            long t0 = System.nanoTime();
            List<List<Future<JsonNode>>> futures = new ArrayList<>();
            for (Req r : reqs) {
                List<Future<JsonNode>> f = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ObjectNode b = body(r.prompt(), 1, SampleIds.sampleSeed(BASE_SEED, r.id(), i), newTokens);
                    f.add(pool.submit(() -> post(http, server, b)));
                }
                futures.add(f);
            }
            long tokens = 0;
            List<List<String>> texts = new ArrayList<>();
            for (List<Future<JsonNode>> f : futures) {
                List<String> t = new ArrayList<>();
                for (Future<JsonNode> x : f) {
                    JsonNode j = x.get();
                    tokens += j.get("usage").get("completion_tokens").asLong();
                    t.add(j.get("choices").get(0).get("text").asText());
                }
                texts.add(t);
            }
            return new Result((System.nanoTime() - t0) / 1e9, (long) reqs.size() * n, tokens, texts);
        } finally {
            pool.shutdownNow();
        }
    }
}
