package dev.probeval.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.text.Texts;
import dev.probeval.http.ClientConnection;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.TextTokenizer;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import dev.probeval.openai.ErrorResponse;
import io.javalin.http.Context;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a completions or chat call, the same for both APIs (their {@link ApiHandler} reads the request and writes the
 * response): admission, the hand-off from the HTTP thread, tokenizing, the prompt's length in tokens, seeding,
 * batching on the {@link BatchingDecoder}, the answer or the stream, and withdrawing calls whose client has gone.
 * See {@link OpenAiServer} for the threads and limits this implements.
 */
final class OpenAiServing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServing.class);

    private final LanguageModel model;
    private final String modelName;
    private final OpenAiServer.Limits limits;
    private final int maxQueuedCalls;
    private final ObjectMapper mapper;
    private final SecureRandom random = new SecureRandom();
    private final BatchingDecoder decoder;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watcher;
    /** Calls admitted and not yet answered (waiting for or in a batch). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Admitted calls whose client is watched. */
    private final Set<Flight> flights = ConcurrentHashMap.newKeySet();

    OpenAiServing(
            LanguageModel model,
            String modelName,
            OpenAiServer.Limits limits,
            int maxQueuedCalls,
            int completionThreads,
            ObjectMapper mapper) {
        this.model = model;
        this.modelName = modelName;
        this.limits = limits;
        this.maxQueuedCalls = maxQueuedCalls;
        this.mapper = mapper;
        this.decoder = new BatchingDecoder(new SamplingEngine(model), limits.maxN(), "probeval-serve-decoder");
        // The queue holds at most one task per admitted call, so with maxQueuedCalls admitted it never refuses one.
        this.workers = new ThreadPoolExecutor(
                completionThreads,
                completionThreads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxQueuedCalls),
                daemonThreads("probeval-serve-worker-"));
        workers.allowCoreThreadTimeOut(true);
        this.watcher = Executors.newSingleThreadScheduledExecutor(daemonThreads("probeval-serve-watch-"));
        watcher.scheduleWithFixedDelay(
                this::watch, OpenAiServer.WATCH_MS, OpenAiServer.WATCH_MS, TimeUnit.MILLISECONDS);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Calls admitted and not yet answered: waiting for their batch or in it. */
    int queuedCalls() {
        return queued.get();
    }

    /** Stops watching, stops the decoder after its batch (waiting calls fail), then the workers. */
    @Override
    public void close() {
        watcher.shutdownNow();
        try {
            decoder.close();
        } finally {
            workers.shutdownNow();
        }
    }

    /** Withdraws the calls whose client has closed its connection. */
    private void watch() {
        for (Flight f : flights) {
            try {
                if (f.clientGone()) {
                    f.cancel();
                }
            } catch (RuntimeException e) {
                // One connection's failure must not stop the watch (a scheduled task that throws never runs again).
                LOG.debug("probing a client connection failed", e);
            }
        }
    }

    /**
     * On the HTTP thread: parses and checks the call (everything bounded by the body's size), counts it in, and hands
     * it to the worker pool; the HTTP thread goes back to Jetty while the call is tokenized, waits and decodes.
     */
    void complete(Context ctx, ApiHandler api) {
        JsonNode body;
        try {
            body = mapper.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw OpenAiError.invalid(
                    null, "the request body is not valid JSON: " + Texts.clip(String.valueOf(why), 300));
        }
        ServeRequest req = api.parse(body, limits);
        if (req.model() != null && !modelName.equals(req.model())) {
            throw OpenAiError.modelNotFound(req.model(), modelName);
        }
        if (req.stream() && req.wantsLogprobs()) {
            throw OpenAiError.invalid(
                    "logprobs", "logprobs are not supported with stream: true; ask without streaming");
        }
        long seed = req.seed() != null ? req.seed() : random.nextLong();
        ctx.header(OpenAiServer.SEED_HEADER, Long.toString(seed));
        Flight flight = new Flight(ClientConnection.of(ctx));
        admit(ctx);
        flights.add(flight);
        // Asynchronous: the HTTP thread goes back to Jetty while the call waits for its batch, so concurrent calls
        // neither hold a thread each nor pass one by one through Jetty's hand-off of a blocked thread's work (measured:
        // a worker's 128 calls reached the decoder over 108-153 ms with blocking handlers, 51-91 ms without).
        ctx.future(() -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            try {
                workers.execute(() -> work(ctx, api, flight, req, seed, done));
            } catch (RejectedExecutionException e) {
                done.completeExceptionally(busy(ctx));
            }
            return done.whenComplete((v, e) -> {
                flights.remove(flight);
                queued.decrementAndGet();
            });
        });
    }

    /** On a worker: tokenizes, checks the prompt's length, then streams or queues the call for its batch. */
    private void work(
            Context ctx, ApiHandler api, Flight flight, ServeRequest req, long seed, CompletableFuture<Void> done) {
        try {
            if (flight.cancelled()) {
                done.complete(null);
                return;
            }
            TextTokenizer tok = model.tokenizer();
            int[] prompt = tok.encode(req.prompt(), tok.bosId() >= 0, false);
            if (prompt.length == 0) {
                throw OpenAiError.invalid(api.promptParam(), "the prompt encodes to no tokens");
            }
            if (prompt.length > model.maxContext()) {
                throw new OpenAiError(
                        400,
                        ErrorResponse.INVALID_REQUEST,
                        api.promptParam(),
                        ApiHandler.CONTEXT_LENGTH_EXCEEDED,
                        "the prompt has " + prompt.length + " tokens; the model's context is " + model.maxContext());
            }
            List<SamplingEngine.Row> rows = new ArrayList<>(req.n());
            for (int i = 0; i < req.n(); i++) {
                rows.add(new SamplingEngine.Row(i, OpenAiServer.rowSeed(seed, i), false));
            }
            Call call = new Call(
                    req,
                    prompt,
                    seed,
                    api.idPrefix() + UUID.randomUUID().toString().replace("-", ""),
                    System.currentTimeMillis() / 1000);
            int top = Math.max(req.logprobs(), 0);
            if (req.stream()) {
                stream(ctx, api, flight, call, rows, top);
                done.complete(null);
                return;
            }
            CompletableFuture<List<Sample>> decoded = decoder.submit(prompt, req.decoding(), rows, top, null);
            flight.attach(decoded);
            decoded.whenComplete((samples, err) -> offload(() -> answer(ctx, api, flight, call, samples, err, done)));
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
        }
    }

    /**
     * Runs {@code task} on the worker pool, so that building a response does not hold up the decoder; on the calling
     * thread if the pool refuses it (it is shutting down).
     */
    private void offload(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private void answer(
            Context ctx,
            ApiHandler api,
            Flight flight,
            Call call,
            List<Sample> samples,
            Throwable err,
            CompletableFuture<Void> done) {
        try {
            if (err != null) {
                Throwable cause = unwrap(err);
                if (cause instanceof CancellationException) {
                    // The client has gone: there is no one to answer.
                    done.complete(null);
                } else {
                    done.completeExceptionally(decodeError(cause, api));
                }
                return;
            }
            flight.commit(ctx);
            ctx.json(api.response(call, samples));
            done.complete(null);
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
        }
    }

    /**
     * Counts a call in, or refuses it with 429 and {@code Retry-After} when {@code maxQueuedCalls} are already waiting
     * or decoding: waiting calls hold no thread, so this bound is what keeps a flood of them from growing the queue
     * without limit. The HTTP backend retries a 429 after the pause it names.
     */
    private void admit(Context ctx) {
        if (queued.incrementAndGet() > maxQueuedCalls) {
            queued.decrementAndGet();
            throw busy(ctx);
        }
    }

    private OpenAiError busy(Context ctx) {
        ctx.header("Retry-After", "1");
        return new OpenAiError(
                429,
                "requests",
                null,
                "rate_limit_exceeded",
                maxQueuedCalls
                        + " calls are already waiting for the model (the server's --max-queued-calls); retry after a second");
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** What a failed decoding answers: the engine's refusal of the prompt is the client's, the rest the server's. */
    private static RuntimeException decodeError(Throwable cause, ApiHandler api) {
        if (cause instanceof IllegalArgumentException) {
            return OpenAiError.invalid(api.promptParam(), cause.getMessage());
        }
        if (cause instanceof IllegalStateException) {
            return new OpenAiError(503, ErrorResponse.SERVER_ERROR, null, null, cause.getMessage());
        }
        return new IllegalStateException("decoding failed: " + cause, cause);
    }

    /** An event of a streamed call: a row's token, or the end of decoding. */
    private sealed interface Event permits TokenEvent, DoneEvent {}

    private record TokenEvent(int row, int token) implements Event {}

    private record DoneEvent(List<Sample> samples, Throwable failure) implements Event {}

    /**
     * Streams a call from a worker thread. The response is committed with its first event, so until then the
     * watcher can still see the client leave (a call waiting for its batch writes nothing); after that a failed write
     * tells, and withdraws the call.
     */
    private void stream(Context ctx, ApiHandler api, Flight flight, Call call, List<SamplingEngine.Row> rows, int top) {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        CompletableFuture<List<Sample>> f = decoder.submit(
                call.prompt(),
                call.req().decoding(),
                rows,
                top,
                (row, token) -> events.add(new TokenEvent(row, token)));
        flight.attach(f);
        f.whenComplete((s, e) -> events.add(new DoneEvent(s, e)));
        StreamedText[] texts = new StreamedText[rows.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new StreamedText(
                    model.tokenizer(),
                    call.last(),
                    model.endTokenIds(),
                    call.req().decoding().stopStrings());
        }
        SseWriter out = new SseWriter(ctx, flight, mapper, api.opening(call));
        try {
            DoneEvent done;
            try {
                while (true) {
                    Event ev = events.take();
                    if (ev instanceof DoneEvent d) {
                        done = d;
                        break;
                    }
                    TokenEvent t = (TokenEvent) ev;
                    String piece = texts[t.row()].add(t.token());
                    if (!piece.isEmpty()) {
                        out.send(api.piece(call, t.row(), piece));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.cancel(false);
                done = new DoneEvent(null, new IllegalStateException("the server is shutting down"));
            }
            if (done.failure() != null) {
                Throwable cause = unwrap(done.failure());
                if (!(cause instanceof CancellationException)) {
                    out.fail(OpenAiError.streamEvent(decodeError(cause, api)));
                }
                return;
            }
            List<Sample> samples = done.samples();
            for (int i = 0; i < samples.size(); i++) {
                String rest = texts[i].finish(samples.get(i).text());
                if (!rest.isEmpty()) {
                    out.send(api.piece(call, i, rest));
                }
                out.send(api.end(call, i, samples.get(i)));
            }
            if (call.req().streamUsage()) {
                out.send(api.usage(call, ApiHandler.usage(call, samples)));
            }
            out.done();
        } catch (IOException e) {
            // The client has gone (a write failed): withdraw the call; there is no one to tell.
            flight.cancel();
        }
    }
}
