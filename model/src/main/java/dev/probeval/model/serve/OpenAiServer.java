package dev.probeval.model.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.http.ClientConnection;
import dev.probeval.core.text.Texts;
import dev.probeval.http.WebServer;
import dev.probeval.model.CausalLm;
import dev.probeval.model.TextTokenizer;
import dev.probeval.model.sampling.FinishReason;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * A local model behind OpenAI's completions API: {@code GET /v1/models}, {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions} (and {@code GET /health}, 200 once started, as vLLM has). Every call decodes its {@code n} choices as one batch on the
 * {@link SamplingEngine}; one decoder thread runs the model, and concurrent calls with the same prompt and decoding
 * parameters are merged into one batch (see {@link BatchingDecoder}), which changes their speed, never their text.
 *
 * <p><b>Seeding.</b> Choice {@code i} of a call with {@code seed} s draws with the engine's RNG seeded
 * {@link #rowSeed(long, int) rowSeed(s, i)}: choice 0 uses s itself, choice i ≥ 1 uses
 * {@code SampleIds.sampleSeed(s, "serve", i)}. So a call with {@code n = 1} and {@code seed =
 * SampleIds.sampleSeed(base, request, i)} decodes exactly the row the in-process worker decodes for sample i of that
 * request, and reproduces it token for token. Without a seed the server draws one at random and reports it in the
 * {@code X-Probeval-Seed} response header (and, non-streamed, in a top-level {@code seed} field), so the call can be
 * repeated. {@code temperature 0} decodes greedily, as the in-process greedy baseline does.
 *
 * <p><b>Chat template.</b> One message: its content is the prompt, as is (so a chat call with one user message
 * equals a completions call with that prompt). Several: one line {@code "role: content\n"} per message, then
 * {@code "assistant: "}.
 *
 * <p><b>Responses.</b> Choices report OpenAI's {@code finish_reason} ({@code stop} for the end token or a stop
 * string, {@code length} for the token budget or the context) and, as vLLM does, a {@code stop_reason}: the stop
 * string that ended the choice, or null. With {@code logprobs} k (completions) or {@code logprobs: true} and
 * {@code top_logprobs} k (chat) each generated token (the end token included, as the empty string) carries its
 * log-probability under the untempered model distribution and the k most likely tokens'; {@code text_offset} counts
 * from the start of the completion. {@code usage} counts the prompt's tokens (BOS included) and every generated token
 * (the end token included). Streaming ({@code stream: true}) sends server-sent events as the batch decodes: a piece
 * of text is sent once no later token can change it (a tail that may still become a stop string waits), each choice
 * ends with a chunk carrying its {@code finish_reason}, {@code stream_options.include_usage} adds a last chunk with
 * usage and no choices, and {@code data: [DONE]} closes the stream; the pieces of a choice concatenate to exactly
 * the non-streamed text of the same call.
 *
 * <p><b>Guards.</b> Every refusal comes before the work it would bound, in OpenAI's error shape. With an API key
 * ({@link Builder#apiKey}) every {@code /v1/*} call needs {@code Authorization: Bearer <key>} (else 401,
 * {@code invalid_api_key}); {@code /health} stays open. A POST must be JSON ({@code Content-Type: application/json},
 * optionally {@code ; charset=utf-8}), else 415 before its body is read, so a cross-site form or {@code text/plain}
 * post does nothing. {@code n}, {@code max_tokens}, the number of top log-probabilities and their product
 * {@code logprobs × max_tokens × n} are capped (see {@link Builder}), a larger value is a 400 naming the parameter;
 * a prompt over {@link Builder#maxPromptChars} characters is a 400 ({@code context_length_exceeded}) before it is
 * tokenized, and one over the model's context in tokens is one before any decoding. The token budget is further
 * cut to what the context leaves after the prompt (the choice then ends with {@code length}). Values of the client's
 * quoted in an error are cut short ({@code Texts.clip}).
 *
 * <p><b>Threads.</b> The HTTP threads only check and parse a call: tokenizing, streaming and building the response
 * run on a pool of {@link Builder#completionThreads} threads, and decoding on the decoder's one, so completions never
 * hold the HTTP threads that {@code /health} and {@code /v1/models} need. At most {@link Builder#maxQueuedCalls}
 * calls wait or decode at once (on the pool's queue or the decoder's); one more is a 429 with {@code Retry-After: 1}.
 * A call whose client closes its connection is withdrawn: the server looks at each waiting call's connection every
 * {@value #WATCH_MS} ms, and a streamed call also notices when a write fails; a withdrawn call is dropped from the
 * queue, and a batch whose every call is withdrawn stops between two steps.
 */
public final class OpenAiServer implements AutoCloseable {
  /** Response header that reports the seed a call was decoded with. */
  public static final String SEED_HEADER = "X-Probeval-Seed";
  /** Seed-mixing name of choices i ≥ 1: see {@link #rowSeed}. */
  public static final String ROW_SEED_NAME = "serve";

  /** How often the server looks whether the clients of waiting calls are still connected. */
  static final long WATCH_MS = 100;
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);

  private final CausalLm model;
  private final String modelName;
  private final Limits limits;
  /** SHA-256 of the API key, or null: digests are compared, so the comparison takes the same time for any key. */
  private final byte[] apiKeyDigest;
  private final ObjectMapper mapper = new ObjectMapper();
  private final SecureRandom random = new SecureRandom();
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final BatchingDecoder decoder;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService watcher;
  private final WebServer server;
  private final int maxQueuedCalls;
  /** Calls admitted and not yet answered (waiting for or in a batch). */
  private final AtomicInteger queued = new AtomicInteger();
  /** Admitted calls whose client is watched. */
  private final Set<Flight> flights = ConcurrentHashMap.newKeySet();

  /**
   * What one call may ask for, as the server was built ({@link Builder} holds the defaults and the range checks).
   *
   * @param maxN the most choices per call
   * @param maxTokens the largest {@code max_tokens}
   * @param maxLogprobs the most top log-probabilities per token ({@code logprobs} / {@code top_logprobs})
   * @param maxLogprobValues the most top log-probabilities per call, {@code logprobs × max_tokens × n}
   * @param maxPromptChars the longest prompt in characters (a chat call's after its template)
   */
  public record Limits(int maxN, int maxTokens, int maxLogprobs, long maxLogprobValues, int maxPromptChars) {}

  private OpenAiServer(Builder b) {
    this.model = Objects.requireNonNull(b.model, "a server needs a model: Builder.model(...)");
    this.modelName = b.modelName != null ? b.modelName : model.describe();
    this.limits = new Limits(b.maxN, b.maxTokens, b.maxLogprobs, b.maxLogprobValues,
        b.maxPromptChars > 0 ? b.maxPromptChars : Builder.defaultMaxPromptChars(model));
    this.apiKeyDigest = b.apiKey == null ? null : sha256(b.apiKey);
    this.maxQueuedCalls = b.maxQueuedCalls;
    this.decoder = new BatchingDecoder(new SamplingEngine(model), limits.maxN(), "probeval-serve-decoder");
    // The queue holds at most one task per admitted call, so with maxQueuedCalls admitted it never refuses one.
    this.workers = new ThreadPoolExecutor(b.completionThreads, b.completionThreads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(maxQueuedCalls), daemonThreads("probeval-serve-worker-"));
    workers.allowCoreThreadTimeOut(true);
    this.watcher = Executors.newSingleThreadScheduledExecutor(daemonThreads("probeval-serve-watch-"));
    watcher.scheduleWithFixedDelay(this::watch, WATCH_MS, WATCH_MS, TimeUnit.MILLISECONDS);
    try {
      this.server = WebServer.builder("serve").host(b.host).port(b.port).jsonMapper(mapper)
          .errorShape(OpenAiError.SHAPE).maxRequestBytes(8L << 20).maxThreads(b.maxThreads)
          .routes(r -> {
            r.before("/v1/*", this::guard);
            r.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
            r.get("/v1/models", this::models);
            r.get("/v1/models/{model}", this::oneModel);
            r.post("/v1/completions", ctx -> complete(ctx, false));
            r.post("/v1/chat/completions", ctx -> complete(ctx, true));
          })
          .start();
    } catch (RuntimeException e) {
      stopWorkers();
      throw e;
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** A builder; give it the model before {@link Builder#start()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder serving {@code model} (not owned: close the model after the server). */
  public static Builder builder(CausalLm model) {
    return new Builder().model(model);
  }

  /**
   * Serves {@code model} under {@code modelName} on {@code host:port} (0 = a free port) with the default limits. The
   * server does not own the model: close the model after the server.
   */
  public static OpenAiServer start(CausalLm model, String modelName, String host, int port) {
    return builder(model).modelName(modelName).host(host).port(port).start();
  }

  /**
   * The RNG seed of choice {@code index} of a call with {@code seed}: {@code seed} itself for choice 0,
   * {@code SampleIds.sampleSeed(seed, "serve", index)} for the others.
   */
  public static long rowSeed(long seed, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("choice index must be >= 0, got " + index);
    }
    return index == 0 ? seed : SampleIds.sampleSeed(seed, ROW_SEED_NAME, index);
  }

  /** {@code http://host:port}, without {@code /v1}. */
  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** Calls admitted and not yet answered: waiting for their batch or in it. */
  int queuedCalls() {
    return queued.get();
  }

  /** The name clients pass as {@code model}. */
  public String modelName() {
    return modelName;
  }

  public Limits limits() {
    return limits;
  }

  /** Stops accepting calls, lets those in flight finish (a few seconds at most), then stops the decoder. */
  @Override
  public void close() {
    try {
      server.close();
    } finally {
      stopWorkers();
    }
  }

  private void stopWorkers() {
    watcher.shutdownNow();
    try {
      decoder.close();
    } finally {
      workers.shutdownNow();
    }
  }

  /**
   * Refuses a {@code /v1/*} call without the API key (when one is set) and a POST that is not JSON, before its body is
   * read.
   */
  private void guard(Context ctx) {
    if (apiKeyDigest != null) {
      String auth = ctx.header("Authorization");
      if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new OpenAiError(401, "invalid_request_error", null, "invalid_api_key",
            "this server needs an API key: send the header Authorization: Bearer <key>");
      }
      if (!MessageDigest.isEqual(apiKeyDigest, sha256(auth.substring(7).strip()))) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new OpenAiError(401, "invalid_request_error", null, "invalid_api_key", "incorrect API key provided");
      }
    }
    if (ctx.method() == HandlerType.POST && !isJson(ctx.header("Content-Type"))) {
      throw new OpenAiError(415, "invalid_request_error", null, "unsupported_media_type", "the request body must be "
          + "JSON, sent with Content-Type: application/json (optionally ; charset=utf-8); got Content-Type "
          + Texts.clip(String.valueOf(ctx.header("Content-Type")), 64));
    }
  }

  /** {@code application/json}, with no parameter but an optional UTF-8 charset. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";", -1);
    if (!parts[0].strip().equalsIgnoreCase("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq < 0 || !p.substring(0, eq).strip().equalsIgnoreCase("charset")) {
        return false;
      }
      String charset = p.substring(eq + 1).strip().replace("\"", "").toLowerCase(Locale.ROOT);
      if (!charset.equals("utf-8") && !charset.equals("utf8")) {
        return false;
      }
    }
    return true;
  }

  /** Withdraws the calls whose client has closed its connection. */
  private void watch() {
    for (Flight f : flights) {
      try {
        if (f.client.closed()) {
          f.cancel();
        }
      } catch (RuntimeException e) {
        // One connection's failure must not stop the watch (a scheduled task that throws never runs again).
        LOG.debug("probing a client connection failed", e);
      }
    }
  }

  private ObjectNode modelObject() {
    ObjectNode m = mapper.createObjectNode();
    m.put("id", modelName).put("object", "model").put("created", createdAt).put("owned_by", "probeval");
    m.put("max_model_len", model.maxContext());
    return m;
  }

  private void models(Context ctx) {
    ObjectNode out = mapper.createObjectNode().put("object", "list");
    out.putArray("data").add(modelObject());
    ctx.json(out);
  }

  private void oneModel(Context ctx) {
    String name = ctx.pathParam("model");
    if (!modelName.equals(name)) {
      throw notFound(name);
    }
    ctx.json(modelObject());
  }

  private OpenAiError notFound(String name) {
    return new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '"
        + Texts.clip(String.valueOf(name), 64) + "' does not exist; this server serves '" + modelName + "'");
  }

  /**
   * On the HTTP thread: parses and checks the call (everything bounded by the body's size), counts it in, and hands
   * it to the worker pool; the HTTP thread goes back to Jetty while the call is tokenized, waits and decodes.
   */
  private void complete(Context ctx, boolean chat) {
    JsonNode body;
    try {
      body = mapper.readTree(ctx.bodyAsBytes());
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw OpenAiError.invalid(null, "the request body is not valid JSON: " + Texts.clip(String.valueOf(why), 300));
    }
    CompletionRequest req = CompletionRequest.parse(body, chat, limits);
    if (req.model() != null && !modelName.equals(req.model())) {
      throw notFound(req.model());
    }
    if (req.stream() && req.wantsLogprobs()) {
      throw OpenAiError.invalid("logprobs", "logprobs are not supported with stream: true; ask without streaming");
    }
    long seed = req.seed() != null ? req.seed() : random.nextLong();
    ctx.header(SEED_HEADER, Long.toString(seed));
    Flight flight = new Flight(ClientConnection.of(ctx));
    admit(ctx);
    flights.add(flight);
    // Asynchronous: the HTTP thread goes back to Jetty while the call waits for its batch, so concurrent calls
    // neither hold a thread each nor pass one by one through Jetty's hand-off of a blocked thread's work (measured:
    // a worker's 128 calls reached the decoder over 108-153 ms with blocking handlers, 51-91 ms without).
    ctx.future(() -> {
      CompletableFuture<Void> done = new CompletableFuture<>();
      try {
        workers.execute(() -> work(ctx, flight, req, chat, seed, done));
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
  private void work(Context ctx, Flight flight, CompletionRequest req, boolean chat, long seed,
      CompletableFuture<Void> done) {
    try {
      if (flight.cancelled()) {
        done.complete(null);
        return;
      }
      TextTokenizer tok = model.tokenizer();
      int[] prompt = tok.encode(req.prompt(), tok.bosId() >= 0, false);
      if (prompt.length == 0) {
        throw OpenAiError.invalid(chat ? "messages" : "prompt", "the prompt encodes to no tokens");
      }
      if (prompt.length > model.maxContext()) {
        throw new OpenAiError(400, "invalid_request_error", chat ? "messages" : "prompt",
            CompletionRequest.CONTEXT_LENGTH_EXCEEDED, "the prompt has " + prompt.length
                + " tokens; the model's context is " + model.maxContext());
      }
      List<SamplingEngine.Row> rows = new ArrayList<>(req.n());
      for (int i = 0; i < req.n(); i++) {
        rows.add(new SamplingEngine.Row(i, rowSeed(seed, i), false));
      }
      Call call = new Call(req, chat, prompt, seed, (chat ? "chatcmpl-" : "cmpl-")
          + UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis() / 1000);
      int top = Math.max(req.logprobs(), 0);
      if (req.stream()) {
        stream(ctx, flight, call, rows, top);
        done.complete(null);
        return;
      }
      CompletableFuture<List<Sample>> decoded = decoder.submit(prompt, req.decoding(), rows, top, null);
      flight.attach(decoded);
      decoded.whenComplete((samples, err) -> offload(() -> answer(ctx, flight, call, samples, err, done)));
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

  private void answer(Context ctx, Flight flight, Call call, List<Sample> samples, Throwable err,
      CompletableFuture<Void> done) {
    try {
      if (err != null) {
        Throwable cause = unwrap(err);
        if (cause instanceof CancellationException) {
          // The client has gone: there is no one to answer.
          done.complete(null);
        } else {
          done.completeExceptionally(decodeError(cause, call.chat()));
        }
        return;
      }
      flight.release();
      if (flight.client.readAhead()) {
        ctx.header("Connection", "close");
      }
      ctx.json(response(call, samples));
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
    return new OpenAiError(429, "requests", null, "rate_limit_exceeded", maxQueuedCalls
        + " calls are already waiting for the model (the server's --max-queued-calls); retry after a second");
  }

  /**
   * An admitted call as the watcher sees it: its client's connection, and the decoding to withdraw when the client
   * has gone.
   */
  private static final class Flight {
    final ClientConnection client;
    private volatile boolean cancelled;
    private volatile Future<?> decoding;

    Flight(ClientConnection client) {
      this.client = client;
    }

    boolean cancelled() {
      return cancelled;
    }

    void cancel() {
      cancelled = true;
      Future<?> d = decoding;
      if (d != null) {
        d.cancel(false);
      }
    }

    /** The call's decoding, cancelled at once if the client has already gone. */
    void attach(Future<?> d) {
      decoding = d;
      if (cancelled) {
        d.cancel(false);
      }
    }

    /** Stops watching the connection: the response is about to be committed. */
    void release() {
      client.release();
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** What one call's response is made from. */
  private record Call(CompletionRequest req, boolean chat, int[] prompt, long seed, String id, long created) {
    int last() {
      return prompt[prompt.length - 1];
    }
  }

  private static RuntimeException decodeError(Throwable cause, boolean chat) {
    if (cause instanceof IllegalArgumentException) {
      return OpenAiError.invalid(chat ? "messages" : "prompt", cause.getMessage());
    }
    if (cause instanceof IllegalStateException) {
      return new OpenAiError(503, "server_error", null, null, cause.getMessage());
    }
    return new IllegalStateException("decoding failed: " + cause, cause);
  }

  private ObjectNode response(Call call, List<Sample> samples) {
    boolean chat = call.chat();
    ObjectNode out = header(call, chat ? "chat.completion" : "text_completion");
    ArrayNode choices = out.putArray("choices");
    long completionTokens = 0;
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      completionTokens += s.tokenCount();
      ObjectNode c = choices.addObject().put("index", i);
      if (chat) {
        c.putObject("message").put("role", "assistant").put("content", s.text());
      } else {
        c.put("text", s.text());
      }
      if (!call.req().wantsLogprobs()) {
        c.putNull("logprobs");
      } else if (chat) {
        c.set("logprobs", chatLogprobs(s, call.last(), call.req().logprobs()));
      } else {
        c.set("logprobs", completionLogprobs(s, call.last(), call.req().logprobs()));
      }
      finish(c, s, call);
    }
    usage(out, call.prompt().length, completionTokens);
    out.put("seed", call.seed());
    return out;
  }

  private ObjectNode header(Call call, String object) {
    return mapper.createObjectNode().put("id", call.id()).put("object", object).put("created", call.created())
        .put("model", modelName);
  }

  private static void usage(ObjectNode out, int promptTokens, long completionTokens) {
    out.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
  }

  private void finish(ObjectNode c, Sample s, Call call) {
    c.put("finish_reason", s.finish() == FinishReason.LENGTH ? "length" : "stop");
    if (s.finish() == FinishReason.STOP) {
      c.put("stop_reason", matchedStop(s, call.last(), call.req().decoding().stopStrings()));
    } else {
      c.putNull("stop_reason");
    }
  }

  /** The stop string that ended the sample: the one found earliest in its decoded tokens. */
  private String matchedStop(Sample s, int last, List<String> stops) {
    String full = model.tokenizer().decode(s.tokens(), last);
    String best = null;
    int at = Integer.MAX_VALUE;
    for (String stop : stops) {
      int i = full.indexOf(stop);
      if (i >= 0 && i < at) {
        at = i;
        best = stop;
      }
    }
    return best;
  }

  private ObjectNode completionLogprobs(Sample s, int last, int k) {
    ObjectNode lp = mapper.createObjectNode();
    ArrayNode tokens = lp.putArray("tokens");
    ArrayNode values = lp.putArray("token_logprobs");
    ArrayNode offsets = lp.putArray("text_offset");
    String[] pieces = tokenStrings(s.tokens(), last);
    int offset = 0;
    for (int t = 0; t < pieces.length; t++) {
      tokens.add(pieces[t]);
      values.add(s.tokenModelLogprobs()[t]);
      offsets.add(offset);
      offset += pieces[t].length();
    }
    if (k == 0) {
      lp.putNull("top_logprobs");
    } else {
      ArrayNode tops = lp.putArray("top_logprobs");
      int prev = last;
      for (int t = 0; t < pieces.length; t++) {
        ObjectNode m = tops.addObject();
        for (int j = 0; j < Math.min(k, s.topTokenIds()[t].length); j++) {
          String alt = tokenString(s.topTokenIds()[t][j], prev);
          if (!m.has(alt)) {
            m.put(alt, s.topTokenLogprobs()[t][j]);
          }
        }
        prev = s.tokens()[t];
      }
    }
    return lp;
  }

  private ObjectNode chatLogprobs(Sample s, int last, int k) {
    ObjectNode lp = mapper.createObjectNode();
    ArrayNode content = lp.putArray("content");
    String[] pieces = tokenStrings(s.tokens(), last);
    int prev = last;
    for (int t = 0; t < pieces.length; t++) {
      ObjectNode e = content.addObject().put("token", pieces[t]).put("logprob", s.tokenModelLogprobs()[t]);
      bytes(e, pieces[t]);
      ArrayNode tops = e.putArray("top_logprobs");
      for (int j = 0; j < Math.min(k, s.topTokenIds()[t].length); j++) {
        String alt = tokenString(s.topTokenIds()[t][j], prev);
        ObjectNode a = tops.addObject().put("token", alt).put("logprob", s.topTokenLogprobs()[t][j]);
        bytes(a, alt);
      }
      prev = s.tokens()[t];
    }
    lp.putNull("refusal");
    return lp;
  }

  private static void bytes(ObjectNode node, String text) {
    ArrayNode b = node.putArray("bytes");
    for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
      b.add(x & 0xff);
    }
  }

  /** Each generated token's own text (the end token's is empty). */
  private String[] tokenStrings(int[] ids, int last) {
    String[] out = new String[ids.length];
    int prev = last;
    for (int t = 0; t < ids.length; t++) {
      out[t] = tokenString(ids[t], prev);
      prev = ids[t];
    }
    return out;
  }

  private String tokenString(int id, int prev) {
    for (int e : model.endTokenIds()) {
      if (e == id) {
        return "";
      }
    }
    return model.tokenizer().decode(new int[] {id}, prev);
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
  private void stream(Context ctx, Flight flight, Call call, List<SamplingEngine.Row> rows, int top) {
    LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    CompletableFuture<List<Sample>> f = decoder.submit(call.prompt(), call.req().decoding(), rows, top,
        (row, token) -> events.add(new TokenEvent(row, token)));
    flight.attach(f);
    f.whenComplete((s, e) -> events.add(new DoneEvent(s, e)));
    StreamedText[] texts = new StreamedText[rows.size()];
    for (int i = 0; i < texts.length; i++) {
      texts[i] = new StreamedText(model.tokenizer(), call.last(), model.endTokenIds(),
          call.req().decoding().stopStrings());
    }
    Stream out = new Stream(ctx, flight, call);
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
          out.piece(t.row(), texts[t.row()].add(t.token()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        f.cancel(false);
        done = new DoneEvent(null, new IllegalStateException("the server is shutting down"));
      }
      if (done.failure() != null && unwrap(done.failure()) instanceof CancellationException) {
        return;
      }
      out.finish(done, texts);
    } catch (IOException e) {
      // The client has gone (a write failed): withdraw the call; there is no one to tell.
      flight.cancel();
    }
  }

  /** The events of one streamed response; the first one commits it. */
  private final class Stream {
    private final Context ctx;
    private final Flight flight;
    private final Call call;
    private final String object;
    private OutputStream os;

    Stream(Context ctx, Flight flight, Call call) {
      this.ctx = ctx;
      this.flight = flight;
      this.call = call;
      this.object = call.chat() ? "chat.completion.chunk" : "text_completion";
    }

    /** Commits the response: headers, then (chat) each choice's role. */
    private OutputStream open() throws IOException {
      if (os != null) {
        return os;
      }
      flight.release();
      ctx.status(200);
      ctx.contentType("text/event-stream; charset=utf-8");
      ctx.header("Cache-Control", "no-cache");
      if (flight.client.readAhead()) {
        ctx.header("Connection", "close");
      }
      // The servlet's own stream: Javalin's ctx.outputStream() wrapper does not pass flush() on, so events would
      // wait in Jetty's buffer (32 KB) instead of leaving as they are decoded.
      os = ctx.res().getOutputStream();
      if (call.chat()) {
        for (int i = 0; i < call.req().n(); i++) {
          ObjectNode first = header(call, object);
          ObjectNode c = first.putArray("choices").addObject().put("index", i);
          c.putObject("delta").put("role", "assistant").put("content", "");
          c.putNull("logprobs").putNull("finish_reason");
          event(os, first);
        }
      }
      return os;
    }

    void piece(int index, String text) throws IOException {
      if (!text.isEmpty()) {
        OpenAiServer.this.piece(open(), call, object, index, text);
      }
    }

    void finish(DoneEvent done, StreamedText[] texts) throws IOException {
      OutputStream os = open();
      if (done.failure() != null) {
        RuntimeException err = decodeError(unwrap(done.failure()), call.chat());
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("message", err.getMessage());
        inner.put("type", err instanceof OpenAiError o && o.status() < 500 ? "invalid_request_error"
            : "server_error");
        inner.put("param", null);
        inner.put("code", null);
        os.write(("data: " + mapper.writeValueAsString(Map.of("error", inner)) + "\n\n")
            .getBytes(StandardCharsets.UTF_8));
        os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        os.flush();
        return;
      }
      List<Sample> samples = done.samples();
      long completionTokens = 0;
      for (int i = 0; i < samples.size(); i++) {
        Sample s = samples.get(i);
        completionTokens += s.tokenCount();
        piece(i, texts[i].finish(s.text()));
        ObjectNode end = header(call, object);
        ObjectNode c = end.putArray("choices").addObject().put("index", i);
        if (call.chat()) {
          c.putObject("delta");
        } else {
          c.put("text", "");
        }
        c.putNull("logprobs");
        OpenAiServer.this.finish(c, s, call);
        event(os, end);
      }
      if (call.req().streamUsage()) {
        ObjectNode u = header(call, object);
        u.putArray("choices");
        usage(u, call.prompt().length, completionTokens);
        event(os, u);
      }
      os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      os.flush();
    }
  }

  private void piece(OutputStream os, Call call, String object, int index, String text) throws IOException {
    if (text.isEmpty()) {
      return;
    }
    ObjectNode ev = header(call, object);
    ObjectNode c = ev.putArray("choices").addObject().put("index", index);
    if (call.chat()) {
      c.putObject("delta").put("content", text);
    } else {
      c.put("text", text);
    }
    c.putNull("logprobs").putNull("finish_reason");
    event(os, ev);
  }

  private void event(OutputStream os, ObjectNode ev) throws IOException {
    os.write(("data: " + mapper.writeValueAsString(ev) + "\n\n").getBytes(StandardCharsets.UTF_8));
    os.flush();
  }

  /**
   * Configures and starts an {@link OpenAiServer}. Every setting is also an option of {@code probeval serve}, which
   * takes its defaults from the constants here, and a setter's range error names that option.
   */
  public static final class Builder {
    /** Interface bound by default: this host only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    /** Default HTTP threads. */
    public static final int DEFAULT_MAX_THREADS = 64;
    /** Default {@link #maxQueuedCalls}. */
    public static final int DEFAULT_MAX_QUEUED_CALLS = 1024;
    /** Default {@link #completionThreads}. */
    public static final int DEFAULT_COMPLETION_THREADS = 32;
    /** Default {@link #maxN}. */
    public static final int DEFAULT_MAX_N = 256;
    /** Default {@link #maxTokens}. */
    public static final int DEFAULT_MAX_TOKENS = 1024;
    /** Default {@link #maxLogprobs}. */
    public static final int DEFAULT_MAX_LOGPROBS = 20;
    /**
     * Default {@link #maxLogprobValues}: 2^18, a response of about 15 MB of top log-probabilities at most (e.g. 16
     * choices of 1024 tokens with 16 each).
     */
    public static final long DEFAULT_MAX_LOGPROB_VALUES = 262_144;
    /**
     * Default {@link #maxPromptChars}, per token of the model's context: a longer prompt fits the context only if its
     * pieces average more than this many characters, which no piece of these vocabularies has (stories260K's at most
     * 7 bytes, Llama 2's about 16 characters); so the check refuses what the token check would, without tokenizing.
     */
    public static final int PROMPT_CHARS_PER_CONTEXT_TOKEN = 16;

    private CausalLm model;
    private String modelName;
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private int maxThreads = DEFAULT_MAX_THREADS;
    private int maxQueuedCalls = DEFAULT_MAX_QUEUED_CALLS;
    private int completionThreads = DEFAULT_COMPLETION_THREADS;
    private int maxN = DEFAULT_MAX_N;
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private int maxLogprobs = DEFAULT_MAX_LOGPROBS;
    private long maxLogprobValues = DEFAULT_MAX_LOGPROB_VALUES;
    /** 0: {@link #defaultMaxPromptChars} of the model. */
    private int maxPromptChars;
    private String apiKey;

    private Builder() {}

    /** {@link #PROMPT_CHARS_PER_CONTEXT_TOKEN} characters per token of {@code model}'s context. */
    public static int defaultMaxPromptChars(CausalLm model) {
      return (int) Math.min(Integer.MAX_VALUE, (long) PROMPT_CHARS_PER_CONTEXT_TOKEN * model.maxContext());
    }

    /** The model to serve (not owned: close it after the server). */
    public Builder model(CausalLm model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** The name clients pass as {@code model} and {@code /v1/models} lists (default: the model's description). */
    public Builder modelName(String modelName) {
      if (modelName == null || modelName.isBlank()) {
        throw new IllegalArgumentException("--model-name must not be empty");
      }
      this.modelName = modelName;
      return this;
    }

    /** Interface to bind (default 127.0.0.1: this host only). */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must not be empty");
      }
      this.host = host;
      return this;
    }

    /** Port, 0..65535; 0 = a free one (default 8000). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Most calls waiting for or in a batch at once (default 1024); one more is a 429 with {@code Retry-After: 1}.
     * Calls wait without holding an HTTP thread, so this, not {@link #maxThreads}, bounds how many wait.
     */
    public Builder maxQueuedCalls(int maxQueuedCalls) {
      this.maxQueuedCalls = atLeast("--max-queued-calls", maxQueuedCalls, 1);
      return this;
    }

    /**
     * HTTP threads (default 64): they check and parse calls and answer {@code /health} and {@code /v1/models}; a
     * completion gives its thread back once parsed.
     */
    public Builder maxThreads(int maxThreads) {
      this.maxThreads = atLeast("max threads", maxThreads, 4);
      return this;
    }

    /**
     * Threads that tokenize prompts, build responses and stream (default 32); a streamed call holds one while it
     * streams, and calls beyond them wait in the queue that {@link #maxQueuedCalls} bounds.
     */
    public Builder completionThreads(int completionThreads) {
      this.completionThreads = atLeast("--completion-threads", completionThreads, 1);
      return this;
    }

    /** Most choices ({@code n}) per call (default 256). */
    public Builder maxN(int maxN) {
      this.maxN = atLeast("--max-n", maxN, 1);
      return this;
    }

    /** Largest {@code max_tokens} (default 1024). */
    public Builder maxTokens(int maxTokens) {
      this.maxTokens = atLeast("--max-tokens", maxTokens, 1);
      return this;
    }

    /** Most top log-probabilities per token, {@code logprobs} / {@code top_logprobs} (default 20). */
    public Builder maxLogprobs(int maxLogprobs) {
      this.maxLogprobs = atLeast("--max-logprobs", maxLogprobs, 0);
      return this;
    }

    /**
     * Most top log-probabilities one call may ask for in all, {@code logprobs × max_tokens × n} (default
     * {@value #DEFAULT_MAX_LOGPROB_VALUES}); a call asking for more is a 400 before any work.
     */
    public Builder maxLogprobValues(long maxLogprobValues) {
      if (maxLogprobValues < 1) {
        throw new IllegalArgumentException("--max-logprob-values must be >= 1, got " + maxLogprobValues);
      }
      this.maxLogprobValues = maxLogprobValues;
      return this;
    }

    /**
     * Longest prompt in characters (a chat call's after its template); a longer one is a 400 before it is tokenized
     * (default: {@link #PROMPT_CHARS_PER_CONTEXT_TOKEN} per token of the model's context).
     */
    public Builder maxPromptChars(int maxPromptChars) {
      this.maxPromptChars = atLeast("--max-prompt-chars", maxPromptChars, 1);
      return this;
    }

    /**
     * The key every {@code /v1/*} call must send as {@code Authorization: Bearer <key>} (default: none, no key
     * needed); {@code /health} stays open.
     */
    public Builder apiKey(String apiKey) {
      if (apiKey == null || apiKey.isBlank()) {
        throw new IllegalArgumentException("the API key must not be empty");
      }
      this.apiKey = apiKey.strip();
      return this;
    }

    private static int atLeast(String name, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
      }
      return value;
    }

    /** Binds and starts; {@link IllegalStateException} naming host and port when it cannot bind. */
    public OpenAiServer start() {
      return new OpenAiServer(this);
    }
  }
}
