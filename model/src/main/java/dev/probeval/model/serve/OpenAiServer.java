package dev.probeval.model.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.http.WebServer;
import dev.probeval.model.CausalLm;
import dev.probeval.model.TextTokenizer;
import dev.probeval.model.sampling.FinishReason;
import dev.probeval.model.sampling.Sample;
import dev.probeval.model.sampling.SamplingEngine;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

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
 * <p><b>Limits.</b> {@code n}, {@code max_tokens} and the number of top log-probabilities are capped by
 * {@link Limits}; a larger value is a 400 naming the parameter, so no allocation is sized by a client's number beyond
 * them. The token budget is further cut to what the model's context leaves after the prompt (the choice then ends
 * with {@code length}). A non-streamed call waits for its batch without holding an HTTP thread; at most
 * {@link Builder#maxQueuedCalls} calls wait or decode at once, one more is a 429 with {@code Retry-After: 1}.
 */
public final class OpenAiServer implements AutoCloseable {
  /** Response header that reports the seed a call was decoded with. */
  public static final String SEED_HEADER = "X-Probeval-Seed";
  /** Seed-mixing name of choices i ≥ 1: see {@link #rowSeed}. */
  public static final String ROW_SEED_NAME = "serve";

  private final CausalLm model;
  private final String modelName;
  private final Limits limits;
  private final ObjectMapper mapper = new ObjectMapper();
  private final SecureRandom random = new SecureRandom();
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final BatchingDecoder decoder;
  private final WebServer server;
  private final int maxQueuedCalls;
  /** Calls admitted and not yet answered (waiting for or in a batch). */
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * What one call may ask for.
   *
   * @param maxN the most choices per call
   * @param maxTokens the largest {@code max_tokens}
   * @param maxLogprobs the most top log-probabilities per token ({@code logprobs} / {@code top_logprobs})
   */
  public record Limits(int maxN, int maxTokens, int maxLogprobs) {
    /** 256 choices, 1024 tokens, 20 log-probabilities. */
    public static final Limits DEFAULT = new Limits(256, 1024, 20);

    public Limits {
      if (maxN < 1 || maxTokens < 1 || maxLogprobs < 0) {
        throw new IllegalArgumentException("limits need max n >= 1, max tokens >= 1 and max logprobs >= 0, got "
            + maxN + ", " + maxTokens + ", " + maxLogprobs);
      }
    }
  }

  private OpenAiServer(Builder b) {
    this.model = b.model;
    this.modelName = b.modelName;
    this.limits = b.limits;
    this.maxQueuedCalls = b.maxQueuedCalls;
    this.decoder = new BatchingDecoder(new SamplingEngine(model), limits.maxN(), "probeval-serve-decoder");
    try {
      this.server = WebServer.builder("serve").host(b.host).port(b.port).jsonMapper(mapper)
          .errorShape(OpenAiError.SHAPE).maxRequestBytes(8L << 20).maxThreads(b.maxThreads)
          .routes(r -> {
            r.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
            r.get("/v1/models", this::models);
            r.get("/v1/models/{model}", this::oneModel);
            r.post("/v1/completions", ctx -> complete(ctx, false));
            r.post("/v1/chat/completions", ctx -> complete(ctx, true));
          })
          .start();
    } catch (RuntimeException e) {
      decoder.close();
      throw e;
    }
  }

  /** A builder serving {@code model} (not owned: close the model after the server). */
  public static Builder builder(CausalLm model) {
    return new Builder(model);
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
      decoder.close();
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
    return new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '" + name
        + "' does not exist; this server serves '" + modelName + "'");
  }

  private void complete(Context ctx, boolean chat) throws IOException {
    JsonNode body;
    try {
      body = mapper.readTree(ctx.bodyAsBytes());
    } catch (JsonProcessingException e) {
      throw OpenAiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
    }
    CompletionRequest req = CompletionRequest.parse(body, chat, limits);
    if (req.model() != null && !modelName.equals(req.model())) {
      throw notFound(req.model());
    }
    if (req.stream() && req.wantsLogprobs()) {
      throw OpenAiError.invalid("logprobs", "logprobs are not supported with stream: true; ask without streaming");
    }
    TextTokenizer tok = model.tokenizer();
    int[] prompt = tok.encode(req.prompt(), tok.bosId() >= 0, false);
    if (prompt.length == 0) {
      throw OpenAiError.invalid(chat ? "messages" : "prompt", "the prompt encodes to no tokens");
    }
    if (prompt.length > model.maxContext()) {
      throw OpenAiError.invalid(chat ? "messages" : "prompt", "the prompt has " + prompt.length
          + " tokens; the model's context is " + model.maxContext());
    }
    long seed = req.seed() != null ? req.seed() : random.nextLong();
    List<SamplingEngine.Row> rows = new ArrayList<>(req.n());
    for (int i = 0; i < req.n(); i++) {
      rows.add(new SamplingEngine.Row(i, rowSeed(seed, i), false));
    }
    Call call = new Call(req, chat, prompt, seed, (chat ? "chatcmpl-" : "cmpl-")
        + UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis() / 1000);
    ctx.header(SEED_HEADER, Long.toString(seed));
    int top = Math.max(req.logprobs(), 0);
    if (req.stream()) {
      stream(ctx, call, rows, top);
      return;
    }
    admit(ctx);
    // Asynchronous: the HTTP thread goes back to Jetty while the call waits for its batch, so concurrent calls
    // neither hold a thread each nor pass one by one through Jetty's hand-off of a blocked thread's work (measured:
    // a worker's 128 calls reached the decoder over 108-153 ms with blocking handlers, 51-91 ms without).
    ctx.future(() -> decoder.submit(prompt, req.decoding(), rows, top, null).handle((samples, err) -> {
      queued.decrementAndGet();
      if (err != null) {
        throw decodeError(unwrap(err), chat);
      }
      ctx.json(response(call, samples));
      return null;
    }));
  }

  /**
   * Counts a call in, or refuses it with 429 and {@code Retry-After} when {@code maxQueuedCalls} are already waiting
   * or decoding: waiting calls hold no thread, so this bound is what keeps a flood of them from growing the queue
   * without limit. The HTTP backend retries a 429 after the pause it names.
   */
  private void admit(Context ctx) {
    if (queued.incrementAndGet() > maxQueuedCalls) {
      queued.decrementAndGet();
      ctx.header("Retry-After", "1");
      throw new OpenAiError(429, "requests", null, "rate_limit_exceeded", maxQueuedCalls
          + " calls are already waiting for the model (the server's --max-queued-calls); retry after a second");
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

  private void stream(Context ctx, Call call, List<SamplingEngine.Row> rows, int top) throws IOException {
    LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    admit(ctx);
    CompletableFuture<List<Sample>> f = decoder.submit(call.prompt(), call.req().decoding(), rows, top,
        (row, token) -> events.add(new TokenEvent(row, token)));
    f.whenComplete((s, e) -> {
      queued.decrementAndGet();
      events.add(new DoneEvent(s, e));
    });

    boolean chat = call.chat();
    String object = chat ? "chat.completion.chunk" : "text_completion";
    StreamedText[] texts = new StreamedText[rows.size()];
    for (int i = 0; i < texts.length; i++) {
      texts[i] = new StreamedText(model.tokenizer(), call.last(), model.endTokenIds(),
          call.req().decoding().stopStrings());
    }
    ctx.status(200);
    ctx.contentType("text/event-stream; charset=utf-8");
    ctx.header("Cache-Control", "no-cache");
    OutputStream os = ctx.outputStream();
    if (chat) {
      for (int i = 0; i < texts.length; i++) {
        ObjectNode first = header(call, object);
        ObjectNode c = first.putArray("choices").addObject().put("index", i);
        c.putObject("delta").put("role", "assistant").put("content", "");
        c.putNull("logprobs").putNull("finish_reason");
        event(os, first);
      }
    }
    DoneEvent done;
    try {
      while (true) {
        Event ev = events.take();
        if (ev instanceof DoneEvent d) {
          done = d;
          break;
        }
        TokenEvent t = (TokenEvent) ev;
        piece(os, call, object, t.row(), texts[t.row()].add(t.token()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = new DoneEvent(null, new IllegalStateException("interrupted while decoding"));
    }
    if (done.failure() != null) {
      RuntimeException err = decodeError(unwrap(done.failure()), chat);
      String message = err.getMessage();
      Map<String, Object> inner = new LinkedHashMap<>();
      inner.put("message", message);
      inner.put("type", err instanceof OpenAiError o && o.status() < 500 ? "invalid_request_error" : "server_error");
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
      piece(os, call, object, i, texts[i].finish(s.text()));
      ObjectNode end = header(call, object);
      ObjectNode c = end.putArray("choices").addObject().put("index", i);
      if (chat) {
        c.putObject("delta");
      } else {
        c.put("text", "");
      }
      c.putNull("logprobs");
      finish(c, s, call);
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

  /** Configures and starts an {@link OpenAiServer}. Defaults: the model's description as its name, 127.0.0.1:8000. */
  public static final class Builder {
    private final CausalLm model;
    private String modelName;
    private String host = "127.0.0.1";
    private int port = 8000;
    private int maxThreads = 64;
    private int maxQueuedCalls = 1024;
    private Limits limits = Limits.DEFAULT;

    private Builder(CausalLm model) {
      this.model = Objects.requireNonNull(model, "model");
      this.modelName = model.describe();
    }

    /** The name clients pass as {@code model} and {@code /v1/models} lists. */
    public Builder modelName(String modelName) {
      if (modelName == null || modelName.isBlank()) {
        throw new IllegalArgumentException("model name must not be empty");
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
     * Non-streamed calls wait without holding a thread, so this, not {@link #maxThreads}, bounds how many wait.
     */
    public Builder maxQueuedCalls(int maxQueuedCalls) {
      if (maxQueuedCalls < 1) {
        throw new IllegalArgumentException("max queued calls must be >= 1, got " + maxQueuedCalls);
      }
      this.maxQueuedCalls = maxQueuedCalls;
      return this;
    }

    /**
     * HTTP threads (default 64): they parse and answer calls; a non-streamed call waits for its batch without one,
     * a streamed call holds one while it streams.
     */
    public Builder maxThreads(int maxThreads) {
      if (maxThreads < 4) {
        throw new IllegalArgumentException("max threads must be >= 4, got " + maxThreads);
      }
      this.maxThreads = maxThreads;
      return this;
    }

    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Binds and starts; {@link IllegalStateException} naming host and port when it cannot bind. */
    public OpenAiServer start() {
      return new OpenAiServer(this);
    }
  }
}
