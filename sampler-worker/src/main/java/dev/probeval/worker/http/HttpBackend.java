package dev.probeval.worker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.FinishReason;
import dev.probeval.openai.ChatCompletionRequest;
import dev.probeval.openai.ChatCompletionResponse;
import dev.probeval.openai.ChatLogprobs;
import dev.probeval.openai.ChatMessage;
import dev.probeval.openai.CompletionRequest;
import dev.probeval.openai.CompletionResponse;
import dev.probeval.openai.ErrorResponse;
import dev.probeval.openai.Finish;
import dev.probeval.openai.Usage;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SamplingBackend} over an OpenAI-compatible endpoint ({@code POST /v1/completions}, or
 * {@code /v1/chat/completions} with the prompt as one user message).
 *
 * <p>Seeding: by default every sample is its own call with {@code n = 1} and {@code seed =
 * SampleIds.sampleSeed(baseSeed, requestId, i)}, the seed the in-process engine gives sample i, so a re-drawn chunk
 * reproduces its samples on a server that honours {@code seed} (vLLM, {@code probeval serve}). With
 * {@code samplesPerCall = k > 1} consecutive samples share a call ({@code n = k}, the seed of its first sample):
 * fewer calls, but the samples only reproduce as that whole call, so they are marked non-reproducible. The greedy
 * baseline is a call with {@code temperature 0}.
 *
 * <p>Calls of one chunk run concurrently, at most {@code maxConcurrency} in flight (a semaphore around each attempt).
 * A connection error, timeout, 429 (after its {@code Retry-After}), 5xx, a body cut off (empty, or JSON that ends
 * early) or a malformed body is retried with exponential backoff and jitter; when the retries run out the chunk fails
 * with {@link EndpointUnavailableException} (the worker tries it again later) or, for a complete body that stays
 * malformed and for other 4xx answers, {@link EndpointResponseException}. A failed chunk returns nothing: its other calls are cancelled.
 *
 * <p>The API key, read once from the environment variable the configuration names, only ever goes into the
 * {@code Authorization} header; {@link #describe()} and {@link #toString()} name the endpoint and the variable.
 */
public final class HttpBackend implements SamplingBackend {
    private static final Logger LOG = LoggerFactory.getLogger(HttpBackend.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String version;
    private final HttpEndpoint endpoint;
    private final String authorization;
    private final HttpClient client;
    private final ExecutorService pool;
    private final Semaphore permits;
    private final HttpBackendMetrics metrics;

    private HttpBackend(String version, HttpEndpoint endpoint, String apiKey, MeterRegistry registry) {
        this.version = version;
        this.endpoint = endpoint;
        this.authorization = apiKey == null ? null : "Bearer " + apiKey;
        Duration connect =
                endpoint.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? endpoint.timeout() : Duration.ofSeconds(10);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connect)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        int poolId = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        // A fixed pool, but over a LinkedTransferQueue: each submit hands its call straight to an idle thread and wakes
        // it. Executors.newFixedThreadPool's LinkedBlockingQueue wakes one waiting thread only when the queue was
        // empty, and each woken thread wakes the next, so a chunk's calls started one wake-up after another (measured
        // on 2 cores: the 128th call of a chunk started 87-178 ms after the first; 20-57 ms with the hand-off).
        this.pool = new ThreadPoolExecutor(
                endpoint.maxConcurrency(),
                endpoint.maxConcurrency(),
                0L,
                TimeUnit.MILLISECONDS,
                new LinkedTransferQueue<>(),
                r -> {
                    Thread t = new Thread(r, "probeval-http-" + poolId + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.permits = new Semaphore(endpoint.maxConcurrency(), true);
        this.metrics = new HttpBackendMetrics(registry, endpoint.label());
    }

    /**
     * A backend for model version {@code version} on {@code endpoint}; the key (when {@code apiKeyEnv} is set) comes
     * from {@code env}, normally {@link System#getenv(String)}. Opening makes no call.
     *
     * @throws IllegalStateException if the named variable is unset or empty (the message names the variable only)
     */
    public static HttpBackend open(
            String version, HttpEndpoint endpoint, Function<String, String> env, MeterRegistry registry) {
        String key = null;
        if (endpoint.apiKeyEnv() != null) {
            key = env.apply(endpoint.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new IllegalStateException("environment variable " + endpoint.apiKeyEnv() + " (apiKeyEnv of model "
                        + "version " + version + " at " + endpoint.label() + ") is not set");
            }
            key = key.strip();
        }
        return new HttpBackend(version, endpoint, key, registry);
    }

    public HttpEndpoint endpoint() {
        return endpoint;
    }

    /** One call: samples {@code first .. first + n - 1} (or the greedy baseline, index -1) with one seed. */
    private record Call(int first, int n, long seed, boolean greedy) {}

    /** One choice as parsed from a response. */
    private record Choice(String text, int tokens, FinishReason finish, double modelLogprob) {}

    @Override
    public List<GeneratedSample> generate(GenerationRequest req) {
        DecodingParams d = req.decoding();
        if (d.adaptive() != null) {
            throw new EndpointResponseException(
                    "adaptive temperature cannot be drawn through endpoint " + endpoint.label()
                            + ": it needs the model's next-token distribution at every step; use an in-process model");
        }
        if (d.topK() > 0 && !endpoint.acceptsTopK()) {
            throw new EndpointResponseException(
                    "the request asks top-k " + d.topK() + " but endpoint " + endpoint.label()
                            + " is not configured to accept top_k (set acceptsTopK=true for servers that take it, such as vLLM)");
        }
        List<Call> calls = new ArrayList<>();
        if (req.includeGreedy()) {
            calls.add(new Call(
                    SampleIds.GREEDY_INDEX,
                    1,
                    SampleIds.sampleSeed(req.baseSeed(), req.requestId(), SampleIds.GREEDY_INDEX),
                    true));
        }
        int end = req.firstIndex() + req.count();
        for (int i = req.firstIndex(); i < end; i += endpoint.samplesPerCall()) {
            int n = Math.min(endpoint.samplesPerCall(), end - i);
            calls.add(new Call(i, n, SampleIds.sampleSeed(req.baseSeed(), req.requestId(), i), false));
        }
        ExecutorCompletionService<List<GeneratedSample>> done = new ExecutorCompletionService<>(pool);
        List<Future<List<GeneratedSample>>> futures = new ArrayList<>(calls.size());
        // The calls start together, once all are queued: a woken pool thread preempts this one on a small machine, so
        // without the gate the first dozen calls went out, then this thread got the core back and queued the rest, and
        // the gap between the two groups could exceed a batching server's gathering time (two batches instead of one).
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (Call c : calls) {
                futures.add(done.submit(() -> {
                    go.await();
                    return execute(req, c);
                }));
            }
        } finally {
            go.countDown();
        }
        List<GeneratedSample> out = new ArrayList<>(req.count() + 1);
        try {
            for (int k = 0; k < calls.size(); k++) {
                out.addAll(done.take().get());
            }
        } catch (ExecutionException e) {
            cancel(futures);
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new EndpointResponseException("call to " + endpoint.label() + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            cancel(futures);
            Thread.currentThread().interrupt();
            throw new EndpointUnavailableException(
                    endpoint.label(), "interrupted while waiting for the calls", null, e);
        }
        out.sort(Comparator.comparingInt(GeneratedSample::index));
        return out;
    }

    private static void cancel(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) {
            f.cancel(true);
        }
    }

    /** One call with its retries; the samples of {@code c}, in index order. */
    private List<GeneratedSample> execute(GenerationRequest req, Call c) throws InterruptedException {
        byte[] body = body(req, c);
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint.callUri())
                .timeout(endpoint.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            rb.header("Authorization", authorization);
        }
        HttpRequest request = rb.build();
        String what = describeCall(req, c);
        String lastFailure = null;
        Throwable lastCause = null;
        boolean lastMalformed = false;
        Duration retryAfter = null;
        for (int attempt = 0; attempt <= endpoint.retries(); attempt++) {
            if (attempt > 0) {
                Duration pause = retryAfter != null ? retryAfter : backoff(attempt - 1);
                LOG.debug(
                        "{}: attempt {} failed ({}); retrying in {} ms", what, attempt, lastFailure, pause.toMillis());
                metrics.retry();
                Thread.sleep(pause.toMillis());
            }
            retryAfter = null;
            lastMalformed = false;
            HttpResponse<byte[]> resp;
            permits.acquire();
            try {
                resp = client.send(request, info -> new LimitedBody(endpoint.maxResponseBytes()));
            } catch (HttpTimeoutException e) {
                metrics.attempt(HttpBackendMetrics.Outcome.TIMEOUT);
                lastFailure = "no complete answer within the timeout of "
                        + endpoint.timeout().toMillis() + " ms";
                lastCause = e;
                continue;
            } catch (IOException e) {
                if (LimitedBody.exceeded(e)) {
                    // The same call would answer as much again: no retry.
                    metrics.attempt(HttpBackendMetrics.Outcome.MALFORMED);
                    throw new EndpointResponseException("endpoint " + endpoint.label() + " answered " + what
                            + " with a body " + "over the limit of " + endpoint.maxResponseBytes()
                            + " bytes (maxResponseBytes); it was not read");
                }
                metrics.attempt(HttpBackendMetrics.Outcome.CONNECTION_ERROR);
                lastFailure = "connection failed or cut (" + e + ")";
                lastCause = e;
                continue;
            } finally {
                permits.release();
            }
            int status = resp.statusCode();
            if (status == 200) {
                try {
                    List<GeneratedSample> samples = parse(req, c, resp.body());
                    metrics.attempt(HttpBackendMetrics.Outcome.OK);
                    return samples;
                } catch (MalformedException e) {
                    // A body that ends early (empty, or JSON cut off) is a transport failure like a reset connection; a
                    // complete body of the wrong shape means the server speaks another protocol, which waiting will not
                    // fix.
                    metrics.attempt(
                            e.truncated ? HttpBackendMetrics.Outcome.TRUNCATED : HttpBackendMetrics.Outcome.MALFORMED);
                    lastFailure = e.getMessage();
                    lastCause = e;
                    lastMalformed = !e.truncated;
                    continue;
                }
            }
            String detail = "HTTP " + status + errorMessage(resp.body());
            lastCause = null;
            if (status == 429) {
                metrics.attempt(HttpBackendMetrics.Outcome.RATE_LIMITED);
                lastFailure = detail;
                retryAfter = retryAfter(resp);
                if (retryAfter != null && retryAfter.compareTo(endpoint.maxRetryBackoff()) > 0) {
                    // The server wants a longer pause than one call may take: let the worker try the chunk again after
                    // it.
                    throw new EndpointUnavailableException(
                            endpoint.label(),
                            what + ": " + detail + " with Retry-After " + retryAfter.toSeconds() + " s",
                            retryAfter,
                            null);
                }
            } else if (status >= 500 || status == 408) {
                metrics.attempt(HttpBackendMetrics.Outcome.SERVER_ERROR);
                lastFailure = detail;
            } else {
                metrics.attempt(HttpBackendMetrics.Outcome.CLIENT_ERROR);
                throw new EndpointResponseException(
                        "endpoint " + endpoint.label() + " refused " + what + ": " + detail);
            }
        }
        String tries = " after " + (endpoint.retries() + 1) + " attempt(s)";
        if (lastMalformed) {
            throw new EndpointResponseException(
                    "endpoint " + endpoint.label() + " answered " + what + " with a malformed response" + tries + ": "
                            + lastFailure,
                    lastCause);
        }
        throw new EndpointUnavailableException(
                endpoint.label(), what + tries + ": " + lastFailure, retryAfter, lastCause);
    }

    private String describeCall(GenerationRequest req, Call c) {
        String samples = c.greedy()
                ? "the greedy baseline"
                : c.n() == 1 ? "sample " + c.first() : "samples " + c.first() + ".." + (c.first() + c.n() - 1);
        return "POST " + endpoint.callUri().getPath() + " (" + samples + " of request " + req.requestId() + ")";
    }

    /** The pause before attempt {@code k + 1}: {@code retryBackoff * 2^k} capped, then uniformly in [half, full]. */
    Duration backoff(int k) {
        long base = endpoint.retryBackoff().toMillis();
        long cap = endpoint.maxRetryBackoff().toMillis();
        long d = k >= 30 ? cap : Math.min(cap, base << k);
        long half = d / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(d - half + 1));
    }

    /** {@code Retry-After} as seconds or an HTTP date; null if absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> resp) {
        String v = resp.headers().firstValue("Retry-After").orElse(null);
        if (v == null || v.isBlank()) {
            return null;
        }
        v = v.strip();
        try {
            long s = Long.parseLong(v);
            return Duration.ofSeconds(Math.max(0, s));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(
                        ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException ex) {
                return null;
            }
        }
    }

    /** ": message" from an OpenAI-shaped error body, else a short excerpt of the body, else nothing. */
    private static String errorMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode n = JSON.readTree(body);
            ErrorResponse e = ErrorResponse.fromJson(n);
            if (e != null && e.error().message() != null) {
                return ": " + e.error().message();
            }
            if (n.path("message").isTextual()) {
                return ": " + n.path("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall back to the raw text
        }
        String s = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        return s.isEmpty() ? "" : ": " + (s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }

    private byte[] body(GenerationRequest req, Call c) {
        DecodingParams d = req.decoding();
        double temperature = c.greedy() ? 0.0 : d.temperature();
        double topP = c.greedy() ? 1.0 : d.topP();
        Integer topK = !c.greedy() && d.topK() > 0 ? d.topK() : null;
        List<String> stop = d.stopStrings().isEmpty() ? null : d.stopStrings();
        // The chosen tokens' log-probabilities only (no alternatives): the token count and logProbability need no more.
        Object body = endpoint.chat()
                ? ChatCompletionRequest.of(
                        endpoint.model(),
                        List.of(ChatMessage.user(req.prompt())),
                        c.n(),
                        temperature,
                        topP,
                        topK,
                        d.maxNewTokens(),
                        stop,
                        c.seed(),
                        true,
                        false)
                : CompletionRequest.of(
                        endpoint.model(),
                        req.prompt(),
                        c.n(),
                        temperature,
                        topP,
                        topK,
                        d.maxNewTokens(),
                        stop,
                        c.seed(),
                        0,
                        false);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A 200 whose body is not a completions response with the choices asked for. */
    private static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean truncated;

        MalformedException(String message) {
            this(message, false);
        }

        MalformedException(String message, boolean truncated) {
            super(message);
            this.truncated = truncated;
        }
    }

    private List<GeneratedSample> parse(GenerationRequest req, Call c, byte[] body) throws MalformedException {
        if (body == null || body.length == 0) {
            throw new MalformedException("the response body is empty (cut off?)", true);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
            throw new MalformedException(
                    "the response body ends in the middle of its JSON after " + body.length + " bytes (cut off)", true);
        } catch (IOException e) {
            throw new MalformedException("the body is not valid JSON (" + body.length + " bytes; "
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedException("the body is not a JSON object");
        }
        Reply reply = endpoint.chat()
                ? Reply.of(ChatCompletionResponse.fromJson(root))
                : Reply.of(CompletionResponse.fromJson(root));
        if (reply.choices() == null) {
            throw new MalformedException("the body has no choices array");
        }
        if (reply.choices().size() != c.n()) {
            throw new MalformedException("it has " + reply.choices().size() + " choices for n = " + c.n());
        }
        List<WireChoice> ordered = new ArrayList<>(reply.choices());
        if (ordered.stream().allMatch(ch -> ch.index() != null)) {
            ordered.sort(Comparator.comparingInt(WireChoice::index));
            for (int j = 0; j < ordered.size(); j++) {
                if (ordered.get(j).index() != j) {
                    throw new MalformedException("its choice indices are not 0.." + (c.n() - 1));
                }
            }
        }
        Usage usage = reply.usage();
        long completionTokens = usage == null ? -1 : usage.completionTokens();
        if (usage != null) {
            metrics.usage(Math.max(0, usage.promptTokens()), Math.max(0, completionTokens));
        }
        List<Choice> parsed = new ArrayList<>(c.n());
        for (int j = 0; j < ordered.size(); j++) {
            parsed.add(choice(ordered.get(j), j, req.decoding(), c.n(), completionTokens));
        }
        boolean reproducible = c.greedy() || (c.n() == 1 && endpoint.seeded());
        List<GeneratedSample> out = new ArrayList<>(c.n());
        for (int j = 0; j < parsed.size(); j++) {
            Choice ch = parsed.get(j);
            int index = c.greedy() ? SampleIds.GREEDY_INDEX : c.first() + j;
            out.add(new GeneratedSample(
                    SampleIds.sampleId(req.requestId(), index),
                    index,
                    c.greedy() ? GeneratedSample.Kind.GREEDY : GeneratedSample.Kind.SAMPLED,
                    ch.text(),
                    ch.tokens(),
                    ch.finish(),
                    Double.NaN,
                    ch.modelLogprob(),
                    c.seed(),
                    null,
                    reproducible));
        }
        return out;
    }

    /** What this backend reads of a completions or a chat completions response. */
    private record Reply(List<WireChoice> choices, Usage usage) {
        static Reply of(CompletionResponse r) {
            return new Reply(
                    r.choices() == null
                            ? null
                            : r.choices().stream()
                                    .map(ch -> new WireChoice(
                                            ch.index(),
                                            ch.text(),
                                            ch.finishReason(),
                                            ch.stopReason(),
                                            ch.logprobs() == null
                                                    ? null
                                                    : ch.logprobs().tokenLogprobs()))
                                    .toList(),
                    r.usage());
        }

        static Reply of(ChatCompletionResponse r) {
            return new Reply(
                    r.choices() == null
                            ? null
                            : r.choices().stream()
                                    .map(ch -> new WireChoice(
                                            ch.index(),
                                            ch.message() == null
                                                    ? null
                                                    : ch.message().content(),
                                            ch.finishReason(),
                                            ch.stopReason(),
                                            ch.logprobs() == null
                                                            || ch.logprobs().content() == null
                                                    ? null
                                                    : ch.logprobs().content().stream()
                                                            .map(ChatLogprobs.TokenLogprob::logprob)
                                                            .toList()))
                                    .toList(),
                    r.usage());
        }
    }

    /**
     * One choice as either API sends it: the text (null when missing), the finish and stop reasons, and the generated
     * tokens' log-probabilities (null when not sent).
     */
    private record WireChoice(
            Integer index, String text, String finishReason, JsonNode stopReason, List<Double> tokenLogprobs) {}

    private Choice choice(WireChoice ch, int j, DecodingParams d, int n, long completionTokens)
            throws MalformedException {
        String at = "choice " + j;
        if (ch.text() == null) {
            throw new MalformedException(at + " has no " + (endpoint.chat() ? "message.content" : "text") + " string");
        }
        if (ch.finishReason() == null) {
            throw new MalformedException(at + " has no finish_reason (a cut or unfinished answer)");
        }
        FinishReason finish;
        switch (ch.finishReason()) {
            case Finish.LENGTH -> finish = FinishReason.LENGTH;
            case Finish.STOP -> {
                // vLLM and probeval serve say what stopped it: the stop string, or null / a token id for
                // end-of-sequence.
                JsonNode sr = ch.stopReason();
                if (sr != null) {
                    finish = sr.isTextual() ? FinishReason.STOP : FinishReason.EOS;
                } else {
                    finish = d.stopStrings().isEmpty() ? FinishReason.EOS : FinishReason.STOP;
                }
            }
            default -> finish = FinishReason.STOP;
        }
        int tokens = -1;
        double lp = Double.NaN;
        if (ch.tokenLogprobs() != null) {
            // A log-probability that was not a number reads as NaN, and so makes the sum NaN.
            tokens = ch.tokenLogprobs().size();
            double sum = 0;
            for (double v : ch.tokenLogprobs()) {
                sum += v;
            }
            lp = sum;
        }
        if (tokens < 0) {
            tokens = completionTokens < 0 ? 0 : (int) (n == 1 ? completionTokens : completionTokens / n);
        }
        return new Choice(ch.text(), tokens, finish, lp);
    }

    @Override
    public String describe() {
        return "http " + (endpoint.chat() ? "chat " : "") + endpoint.label() + " model " + endpoint.model()
                + (endpoint.apiKeyEnv() != null ? " (key from $" + endpoint.apiKeyEnv() + ")" : "")
                + (endpoint.reproducible()
                        ? ""
                        : " (samplesPerCall " + endpoint.samplesPerCall() + ", not reproducible)");
    }

    @Override
    public String toString() {
        return "HttpBackend{" + version + " -> " + describe() + "}";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
