package dev.probeval.model.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A local model behind OpenAI's completions API. Every call decodes its {@code n} choices as one batch on the
 * {@link SamplingEngine}; calls run one at a time (the model is not shared between concurrent forwards).
 *
 * <p>Seeding: choice {@code i} of a call with {@code seed} s draws with the engine's RNG seeded {@code s + i}, so a
 * call with {@code n = 1} and seed {@code SampleIds.sampleSeed(base, request, i)} reproduces the in-process sample i
 * exactly. Without a seed a random one is drawn. {@code temperature 0} decodes greedily, as the in-process greedy
 * baseline does.
 *
 * <p>Choices report OpenAI's {@code finish_reason} ({@code stop} or {@code length}) and, as vLLM does, a
 * {@code stop_reason}: the stop string that ended the choice, or null for the end-of-sequence token. With
 * {@code logprobs} the choice carries each generated token and its log-probability under the untempered model
 * (end token included); {@code top_logprobs} is null. Streaming sends the choices' text as server-sent events once
 * the batch has decoded (token by token, then {@code data: [DONE]}): the events re-assemble to the same text, they do
 * not arrive earlier than the whole response would.
 */
public final class OpenAiServer implements AutoCloseable {
  private final CausalLm model;
  private final SamplingEngine engine;
  private final String modelName;
  private final ObjectMapper mapper = new ObjectMapper();
  private final ReentrantLock lock = new ReentrantLock();
  private final SecureRandom random = new SecureRandom();
  private final long createdAt = System.currentTimeMillis() / 1000;
  private final WebServer server;

  private OpenAiServer(CausalLm model, String modelName, String host, int port) {
    this.model = model;
    this.engine = new SamplingEngine(model);
    this.modelName = modelName;
    this.server = WebServer.builder("serve").host(host).port(port).jsonMapper(mapper).errorShape(OpenAiError.SHAPE)
        .maxRequestBytes(8L << 20)
        .routes(r -> {
          r.get("/v1/models", this::models);
          r.post("/v1/completions", ctx -> complete(ctx, false));
          r.post("/v1/chat/completions", ctx -> complete(ctx, true));
        })
        .start();
  }

  /**
   * Serves {@code model} under {@code modelName} on {@code host:port} (0 = a free port). The server does not own the
   * model: close the model after the server.
   */
  public static OpenAiServer start(CausalLm model, String modelName, String host, int port) {
    return new OpenAiServer(model, modelName, host, port);
  }

  /** {@code http://host:port}, without {@code /v1}. */
  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** The name clients pass as {@code model}. */
  public String modelName() {
    return modelName;
  }

  @Override
  public void close() {
    server.close();
  }

  private void models(Context ctx) {
    ObjectNode m = mapper.createObjectNode();
    m.put("id", modelName).put("object", "model").put("created", createdAt).put("owned_by", "probeval");
    m.put("max_model_len", model.maxContext());
    ObjectNode out = mapper.createObjectNode().put("object", "list");
    out.putArray("data").add(m);
    ctx.json(out);
  }

  private void complete(Context ctx, boolean chat) throws IOException {
    JsonNode body;
    try {
      body = mapper.readTree(ctx.bodyAsBytes());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw OpenAiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
    }
    CompletionRequest req = CompletionRequest.parse(body, chat);
    if (!modelName.equals(req.model())) {
      throw new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '" + req.model()
          + "' does not exist; this server serves '" + modelName + "'");
    }
    TextTokenizer tok = model.tokenizer();
    int[] prompt = tok.encode(req.prompt(), tok.bosId() >= 0, false);
    if (prompt.length > model.maxContext()) {
      throw OpenAiError.invalid("prompt", "the prompt has " + prompt.length + " tokens; the model's context is "
          + model.maxContext());
    }
    long seed = req.seed() != null ? req.seed() : random.nextLong();
    List<SamplingEngine.Row> rows = new ArrayList<>(req.n());
    for (int i = 0; i < req.n(); i++) {
      rows.add(new SamplingEngine.Row(i, seed + i, false));
    }
    List<Sample> samples;
    lock.lock();
    try {
      samples = engine.generate(prompt, req.decoding(), rows);
    } catch (IllegalArgumentException e) {
      throw OpenAiError.invalid("prompt", e.getMessage());
    } finally {
      lock.unlock();
    }
    int last = prompt[prompt.length - 1];
    String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    if (req.stream()) {
      stream(ctx, req, samples, id, created, last, chat);
      return;
    }
    ObjectNode out = header(id, chat ? "chat.completion" : "text_completion", created);
    ArrayNode choices = out.putArray("choices");
    long completionTokens = 0;
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      completionTokens += s.tokenCount();
      ObjectNode c = choices.addObject().put("index", i);
      if (chat) {
        c.putObject("message").put("role", "assistant").put("content", s.text());
        if (req.logprobs()) {
          ArrayNode content = c.putObject("logprobs").putArray("content");
          String[] pieces = tokenStrings(s, last);
          for (int t = 0; t < pieces.length; t++) {
            content.addObject().put("token", pieces[t]).put("logprob", s.tokenModelLogprobs()[t]).putNull("bytes")
                .putArray("top_logprobs");
          }
        } else {
          c.putNull("logprobs");
        }
      } else {
        c.put("text", s.text());
        if (req.logprobs()) {
          c.set("logprobs", completionLogprobs(s, last));
        } else {
          c.putNull("logprobs");
        }
      }
      finish(c, s, last, req);
    }
    usage(out, prompt.length, completionTokens);
    ctx.json(out);
  }

  private ObjectNode header(String id, String object, long created) {
    return mapper.createObjectNode().put("id", id).put("object", object).put("created", created)
        .put("model", modelName);
  }

  private static void usage(ObjectNode out, int promptTokens, long completionTokens) {
    out.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
  }

  private void finish(ObjectNode c, Sample s, int last, CompletionRequest req) {
    c.put("finish_reason", s.finish() == FinishReason.LENGTH ? "length" : "stop");
    if (s.finish() == FinishReason.STOP) {
      c.put("stop_reason", matchedStop(s, last, req.decoding().stopStrings()));
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

  private ObjectNode completionLogprobs(Sample s, int last) {
    ObjectNode lp = mapper.createObjectNode();
    ArrayNode tokens = lp.putArray("tokens");
    ArrayNode values = lp.putArray("token_logprobs");
    ArrayNode offsets = lp.putArray("text_offset");
    String[] pieces = tokenStrings(s, last);
    int offset = 0;
    for (int t = 0; t < pieces.length; t++) {
      tokens.add(pieces[t]);
      values.add(s.tokenModelLogprobs()[t]);
      offsets.add(offset);
      offset += pieces[t].length();
    }
    lp.putNull("top_logprobs");
    return lp;
  }

  /** Each generated token's own text (the end token's is empty). */
  private String[] tokenStrings(Sample s, int last) {
    int[] ids = s.tokens();
    String[] out = new String[ids.length];
    int prev = last;
    for (int t = 0; t < ids.length; t++) {
      boolean end = false;
      for (int e : model.endTokenIds()) {
        end |= e == ids[t];
      }
      out[t] = end ? "" : model.tokenizer().decode(new int[] {ids[t]}, prev);
      prev = ids[t];
    }
    return out;
  }

  /**
   * The text of a choice cut into token-sized pieces: piece k ends where the first k tokens' decoded text ends, as
   * long as that is a prefix of the final text (a stop string cuts the final text short).
   */
  private List<String> pieces(Sample s, int last) {
    List<String> out = new ArrayList<>();
    String text = s.text();
    int emitted = 0;
    for (int k = 1; k <= s.tokens().length && emitted < text.length(); k++) {
      String prefix = model.tokenizer().decode(Arrays.copyOf(s.tokens(), k), last);
      if (prefix.length() > emitted && text.startsWith(prefix)) {
        out.add(text.substring(emitted, prefix.length()));
        emitted = prefix.length();
      }
    }
    if (emitted < text.length()) {
      out.add(text.substring(emitted));
    }
    return out;
  }

  private void stream(Context ctx, CompletionRequest req, List<Sample> samples, String id, long created, int last,
      boolean chat) throws IOException {
    ctx.status(200);
    ctx.res().setContentType("text/event-stream");
    ctx.res().setHeader("Cache-Control", "no-cache");
    OutputStream os = ctx.res().getOutputStream();
    String object = chat ? "chat.completion.chunk" : "text_completion";
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      if (chat) {
        ObjectNode first = header(id, object, created);
        ObjectNode c = first.putArray("choices").addObject().put("index", i);
        c.putObject("delta").put("role", "assistant").put("content", "");
        c.putNull("finish_reason");
        event(os, first);
      }
      for (String piece : pieces(s, last)) {
        ObjectNode ev = header(id, object, created);
        ObjectNode c = ev.putArray("choices").addObject().put("index", i);
        if (chat) {
          c.putObject("delta").put("content", piece);
        } else {
          c.put("text", piece).putNull("logprobs");
        }
        c.putNull("finish_reason");
        event(os, ev);
      }
      ObjectNode end = header(id, object, created);
      ObjectNode c = end.putArray("choices").addObject().put("index", i);
      if (chat) {
        c.putObject("delta");
      } else {
        c.put("text", "").putNull("logprobs");
      }
      finish(c, s, last, req);
      event(os, end);
    }
    long completionTokens = samples.stream().mapToLong(Sample::tokenCount).sum();
    ObjectNode u = header(id, object, created);
    u.putArray("choices");
    usage(u, 0, completionTokens);
    ((ObjectNode) u.get("usage")).put("prompt_tokens", model.tokenizer().encode(req.prompt(),
        model.tokenizer().bosId() >= 0, false).length)
        .put("total_tokens", u.get("usage").get("prompt_tokens").asLong() + completionTokens);
    event(os, u);
    os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    os.flush();
  }

  private void event(OutputStream os, ObjectNode ev) throws IOException {
    os.write(("data: " + mapper.writeValueAsString(ev) + "\n\n").getBytes(StandardCharsets.UTF_8));
    os.flush();
  }
}
