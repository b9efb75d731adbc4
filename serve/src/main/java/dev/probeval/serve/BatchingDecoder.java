package dev.probeval.serve;

import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs the model. Calls wait in a queue; each turn takes every waiting call (after a short
 * {@linkplain #gather gathering} of those still arriving), groups those with
 * the same prompt tokens and decoding parameters, and decodes each group as one {@link SamplingEngine} batch (at most
 * {@code maxBatchRows} rows; a call is never split). Rows are seeded per row and the engine's samples do not depend
 * on the batch they are drawn in, so merging changes only the speed: many concurrent one-sample calls (the HTTP
 * backend's per-sample seeding) cost about what one call with their n costs.
 *
 * <p>A greedy call ({@code temperature 0}, no adaptive temperature) also rides in a sampled batch of the same prompt,
 * budget and stop strings, as a greedy row: the worker's greedy baseline arrives with its chunk's sampled calls, and
 * decoding it as a batch of its own would cost about as much as the whole sampled batch on a small model (a decode
 * step's cost is mostly per step, not per row). A greedy row takes the argmax at every step and reports the
 * untempered model log-probabilities whatever the batch's temperature and top-p, so its text is the same either way;
 * this is also how the in-process backend draws the baseline (one batch of greedy + n rows).
 *
 * <p>A call is withdrawn by cancelling its future (its client has gone): a waiting call is dropped before its batch
 * forms, and a batch stops between two decoding steps once every call in it is withdrawn. A batch with some calls
 * left decodes on for them (rows are cheap next to a step, and dropping rows would not change the others' text).
 */
final class BatchingDecoder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingDecoder.class);

    /** One call's rows and where its results go; {@code listener} (nullable) gets its own row positions. */
    record Job(
            int[] prompt,
            DecodingParams params,
            List<SamplingEngine.Row> rows,
            int topLogprobs,
            SamplingEngine.TokenListener listener,
            CompletableFuture<List<Sample>> result) {}

    /** What makes calls mergeable into one batch. */
    private record Key(List<Integer> prompt, DecodingParams params) {
        static Key of(Job j) {
            return new Key(Arrays.stream(j.prompt()).boxed().toList(), j.params());
        }
    }

    /**
     * Quiet time after the last arrival that ends the gathering of a batch. 5 ms split a chunk's concurrent calls into
     * two batches about every other time on 2 cores (a client thread descheduled for a few ms); 20 ms did not in the
     * measured runs (docs/benchmarks.md). A lone call pays it once, next to a decode of hundreds of milliseconds.
     */
    static final long QUIET_MS = 20;
    /**
     * The longest a batch waits for more calls while they keep coming (each within {@link #QUIET_MS} of the last).
     * A worker's concurrent calls of one chunk take 90-200 ms to arrive over loopback on 2 cores (measured: with
     * 50 ms, every chunk split into batches of ~40 and ~88 rows, i.e. two decodes); a lone call still waits only
     * {@link #QUIET_MS}.
     */
    static final long MAX_GATHER_MS = 250;

    private final SamplingEngine engine;
    private final int maxBatchRows;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    BatchingDecoder(SamplingEngine engine, int maxBatchRows, String name) {
        this.engine = engine;
        this.maxBatchRows = maxBatchRows;
        this.thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues a call; the future fails with the engine's exception, or {@link IllegalStateException} once closed.
     * Cancelling the future withdraws the call (see the class comment).
     */
    CompletableFuture<List<Sample>> submit(
            int[] prompt,
            DecodingParams params,
            List<SamplingEngine.Row> rows,
            int topLogprobs,
            SamplingEngine.TokenListener listener) {
        CompletableFuture<List<Sample>> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IllegalStateException("the server is shutting down"));
            return f;
        }
        queue.add(new Job(prompt, params, rows, topLogprobs, listener, f));
        if (closed) {
            failPending();
        }
        return f;
    }

    private void loop() {
        List<Job> pending = new ArrayList<>();
        while (!closed) {
            try {
                Job first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                pending.add(first);
                queue.drainTo(pending);
                long g0 = System.nanoTime();
                gather(pending);
                long gathered = System.nanoTime() - g0;
                pending.removeIf(j -> j.result().isDone());
                for (List<Job> group : groups(pending)) {
                    long d0 = System.nanoTime();
                    run(group);
                    // What a benchmark reads to see whether a chunk's calls made one batch
                    // (-D...BatchingDecoder=debug).
                    if (LOG.isDebugEnabled()) {
                        LOG.debug(
                                "batch of {} rows from {} calls: gathered {} ms, decoded {} ms",
                                rows(group),
                                group.size(),
                                gathered / 1_000_000,
                                (System.nanoTime() - d0) / 1_000_000);
                    }
                }
                pending.clear();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // run() completes its own futures; this is a bug in grouping: fail what is left rather than hang them.
                LOG.error("serve decoder failed", e);
                pending.forEach(j -> j.result().completeExceptionally(e));
                pending.clear();
            }
        }
        pending.forEach(
                j -> j.result().completeExceptionally(new IllegalStateException("the server is shutting down")));
        failPending();
    }

    /**
     * Waits a little for calls still arriving: as long as another one comes within {@link #QUIET_MS} of the last, up
     * to {@link #MAX_GATHER_MS} in all or a full batch. Clients that send their calls together (a worker's concurrent
     * per-sample calls, answered together when their batch ends) so land in one batch instead of the first few
     * starting a batch alone and the rest waiting for it; a lone call pays {@link #QUIET_MS} once.
     */
    private void gather(List<Job> pending) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_GATHER_MS);
        while (rows(pending) < maxBatchRows && System.nanoTime() < until) {
            long t0 = System.nanoTime();
            Job next = queue.poll(QUIET_MS, TimeUnit.MILLISECONDS);
            if (next == null) {
                if (stalled(System.nanoTime() - t0)) {
                    continue;
                }
                return;
            }
            pending.add(next);
            queue.drainTo(pending);
        }
    }

    /**
     * Whether a quiet wait that took {@code waitedNanos} overslept so far that the process, not the clients, was
     * quiet: a garbage-collection pause or a descheduled JVM stops the clients' threads too, so the calls they were
     * about to send have not had their {@link #QUIET_MS}. (Seen on 2 cores: chunks split into 3 + 125 and 8 + 120
     * rows, i.e. two decodes, in a run with a 5-28 ms young-generation pause about every second.) Such a wait does
     * not end the gathering; the {@link #MAX_GATHER_MS} cap still does.
     */
    static boolean stalled(long waitedNanos) {
        return waitedNanos > TimeUnit.MILLISECONDS.toNanos(2 * QUIET_MS);
    }

    /**
     * Mergeable jobs together, in order of their first arrival, each group at most maxBatchRows rows; then each greedy
     * job joins the first sampled group it can ride in (see the class comment), or groups with other greedy jobs.
     */
    List<List<Job>> groups(List<Job> jobs) {
        Map<Key, List<List<Job>>> byKey = new LinkedHashMap<>();
        List<Job> greedy = new ArrayList<>();
        for (Job j : jobs) {
            if (canRide(j.params())) {
                greedy.add(j);
            } else {
                add(byKey, j);
            }
        }
        for (Job g : greedy) {
            List<Job> host = host(byKey, g);
            if (host != null) {
                host.add(g);
            } else {
                add(byKey, g);
            }
        }
        List<List<Job>> out = new ArrayList<>();
        byKey.values().forEach(out::addAll);
        return out;
    }

    private void add(Map<Key, List<List<Job>>> byKey, Job j) {
        List<List<Job>> batches = byKey.computeIfAbsent(Key.of(j), k -> new ArrayList<>());
        List<Job> last = batches.isEmpty() ? null : batches.get(batches.size() - 1);
        if (last == null || rows(last) + j.rows().size() > maxBatchRows) {
            last = new ArrayList<>();
            batches.add(last);
        }
        last.add(j);
    }

    /** A sampled batch that greedy job {@code g} can ride in (same prompt, budget and stops; room left), or null. */
    private List<Job> host(Map<Key, List<List<Job>>> byKey, Job g) {
        Key own = Key.of(g);
        for (Map.Entry<Key, List<List<Job>>> e : byKey.entrySet()) {
            DecodingParams p = e.getKey().params();
            if (p.isGreedy()
                    || p.adaptive() != null
                    || p.maxNewTokens() != own.params().maxNewTokens()
                    || !p.stopStrings().equals(own.params().stopStrings())
                    || !e.getKey().prompt().equals(own.prompt())) {
                continue;
            }
            for (List<Job> batch : e.getValue()) {
                if (rows(batch) + g.rows().size() <= maxBatchRows) {
                    return batch;
                }
            }
        }
        return null;
    }

    /** Greedy without adaptive temperature: the only kind of call that may ride in a batch of other parameters. */
    private static boolean canRide(DecodingParams p) {
        return p.isGreedy() && p.adaptive() == null;
    }

    private static int rows(List<Job> jobs) {
        return jobs.stream().mapToInt(j -> j.rows().size()).sum();
    }

    void run(List<Job> group) {
        List<SamplingEngine.Row> rows = new ArrayList<>();
        int[] owner = new int[rows(group)];
        int[] local = new int[owner.length];
        int top = 0;
        // The batch decodes with a sampled job's parameters when it has one; greedy jobs riding in it become greedy
        // rows.
        Job lead =
                group.stream().filter(j -> !j.params().isGreedy()).findFirst().orElse(group.get(0));
        for (int g = 0; g < group.size(); g++) {
            Job j = group.get(g);
            boolean asGreedyRows = j.params().isGreedy() && !lead.params().isGreedy();
            for (int r = 0; r < j.rows().size(); r++) {
                owner[rows.size()] = g;
                local[rows.size()] = r;
                SamplingEngine.Row row = j.rows().get(r);
                rows.add(asGreedyRows ? new SamplingEngine.Row(row.index(), row.seed(), true) : row);
            }
            top = Math.max(top, j.topLogprobs());
        }
        boolean anyListener = group.stream().anyMatch(j -> j.listener() != null);
        SamplingEngine.TokenListener fanOut = !anyListener
                ? null
                : (row, token) -> {
                    SamplingEngine.TokenListener l = group.get(owner[row]).listener();
                    if (l != null) {
                        l.onToken(local[row], token);
                    }
                };
        List<Sample> samples;
        try {
            samples = engine.generate(
                    lead.prompt(),
                    lead.params(),
                    rows,
                    top,
                    fanOut,
                    () -> group.stream().allMatch(j -> j.result().isDone()));
        } catch (RuntimeException | Error e) {
            group.forEach(j -> j.result().completeExceptionally(e));
            return;
        }
        int at = 0;
        for (Job j : group) {
            j.result().complete(List.copyOf(samples.subList(at, at + j.rows().size())));
            at += j.rows().size();
        }
    }

    private void failPending() {
        Job j;
        while ((j = queue.poll()) != null) {
            j.result().completeExceptionally(new IllegalStateException("the server is shutting down"));
        }
    }

    /** Stops after the batch in progress; waiting calls fail. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending();
    }
}
