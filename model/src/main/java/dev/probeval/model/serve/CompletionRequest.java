package dev.probeval.model.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.text.Texts;
import dev.probeval.model.sampling.DecodingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated completions (or chat completions) request: the model name (null: the served one), the prompt, the
 * number of choices, the decoding parameters, the seed (null: a random one), how many log-probabilities to return
 * per token (-1: none; 0: the chosen token's only; k: also the k most likely), whether to stream and whether a
 * streamed response ends with a usage chunk. Every invalid field is an {@link OpenAiError} naming it; a value of the
 * client's that an error quotes is cut short ({@code Texts.clip}).
 *
 * <p>Parsing does no work sized by the prompt beyond reading it: a prompt over the character limit and a call whose
 * top log-probabilities in all ({@code logprobs × max_tokens × n}) exceed their limit are refused here, before the
 * prompt is tokenized.
 */
record CompletionRequest(String model, String prompt, int n, DecodingParams decoding, Long seed, int logprobs,
    boolean stream, boolean streamUsage) {
  /** OpenAI's default {@code max_tokens} for the completions API. */
  static final int DEFAULT_MAX_TOKENS = 16;
  /** OpenAI's error code for a prompt longer than the server takes. */
  static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
  /** The most stop strings one call may give (OpenAI allows 4; vLLM more). */
  static final int MAX_STOPS = 16;

  boolean wantsLogprobs() {
    return logprobs >= 0;
  }

  static CompletionRequest parse(JsonNode body, boolean chat, OpenAiServer.Limits limits) {
    if (body == null || !body.isObject()) {
      throw OpenAiError.invalid(null, "the request body must be a JSON object");
    }
    ObjectNode o = (ObjectNode) body;
    String model = text(o, "model", false);
    String prompt = chat ? chatPrompt(o) : prompt(o);
    if (prompt.length() > limits.maxPromptChars()) {
      throw new OpenAiError(400, "invalid_request_error", chat ? "messages" : "prompt", CONTEXT_LENGTH_EXCEEDED,
          "the prompt has " + prompt.length() + " characters; this server takes at most " + limits.maxPromptChars()
              + " (the server's --max-prompt-chars)");
    }
    if (bool(o, "echo")) {
      throw OpenAiError.invalid("echo", "echo is not supported: the response carries the continuation only");
    }
    if (o.hasNonNull("suffix")) {
      throw OpenAiError.invalid("suffix", "suffix is not supported");
    }
    for (String p : List.of("frequency_penalty", "presence_penalty")) {
      if (o.hasNonNull(p) && (!o.get(p).isNumber() || o.get(p).asDouble() != 0)) {
        throw OpenAiError.invalid(p, p + " is not supported (only 0)");
      }
    }
    if (o.hasNonNull("logit_bias") && !(o.get("logit_bias").isObject() && o.get("logit_bias").isEmpty())) {
      throw OpenAiError.invalid("logit_bias", "logit_bias is not supported");
    }
    int n = integer(o, "n", 1);
    if (n < 1 || n > limits.maxN()) {
      throw OpenAiError.invalid("n", "n must be in 1.." + limits.maxN() + " (the server's --max-n), got " + n);
    }
    if (o.hasNonNull("best_of") && integer(o, "best_of", n) != n) {
      throw OpenAiError.invalid("best_of", "best_of is not supported (only equal to n)");
    }
    double temperature = number(o, "temperature", 1.0);
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw OpenAiError.invalid("temperature", "temperature must be a finite number >= 0, got " + temperature);
    }
    double topP = number(o, "top_p", 1.0);
    if (!(topP > 0 && topP <= 1)) {
      throw OpenAiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
    }
    int topK = integer(o, "top_k", 0);
    if (topK < -1) {
      throw OpenAiError.invalid("top_k", "top_k must be -1 or 0 (off) or >= 1, got " + topK);
    }
    String tokensField = chat && o.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    int maxTokens = integer(o, tokensField, DEFAULT_MAX_TOKENS);
    if (maxTokens < 1 || maxTokens > limits.maxTokens()) {
      throw OpenAiError.invalid(tokensField, tokensField + " must be in 1.." + limits.maxTokens()
          + " (the server's --max-tokens), got " + maxTokens);
    }
    List<String> stop = stop(o);
    Long seed = null;
    if (o.hasNonNull("seed")) {
      JsonNode s = o.get("seed");
      if (!s.isIntegralNumber() || !s.canConvertToLong()) {
        throw OpenAiError.invalid("seed", "seed must be a 64-bit integer, got " + Texts.clip(String.valueOf(s), 64));
      }
      seed = s.asLong();
    }
    int logprobs;
    int maxTop = limits.maxLogprobs();
    if (chat) {
      boolean want = bool(o, "logprobs");
      int top = integer(o, "top_logprobs", 0);
      if (top < 0 || top > maxTop) {
        throw OpenAiError.invalid("top_logprobs", "top_logprobs must be in 0.." + maxTop + " (the server's "
            + "--max-logprobs), got " + top);
      }
      if (top > 0 && !want) {
        throw OpenAiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
      }
      logprobs = want ? top : -1;
    } else {
      logprobs = -1;
      if (o.hasNonNull("logprobs")) {
        logprobs = integer(o, "logprobs", 0);
        if (logprobs < 0 || logprobs > maxTop) {
          throw OpenAiError.invalid("logprobs", "logprobs must be in 0.." + maxTop + " (the server's "
              + "--max-logprobs), got " + logprobs);
        }
      }
    }
    long logprobValues = (long) Math.max(logprobs, 0) * maxTokens * n;
    if (logprobValues > limits.maxLogprobValues()) {
      String param = chat ? "top_logprobs" : "logprobs";
      throw OpenAiError.invalid(param, param + " x " + tokensField + " x n is " + logprobValues + "; this server "
          + "returns at most " + limits.maxLogprobValues() + " top log-probabilities per call (the server's "
          + "--max-logprob-values): ask for fewer");
    }
    boolean stream = bool(o, "stream");
    boolean streamUsage = false;
    JsonNode so = o.get("stream_options");
    if (so != null && !so.isNull()) {
      if (!so.isObject()) {
        throw OpenAiError.invalid("stream_options", "stream_options must be an object");
      }
      if (!stream) {
        throw OpenAiError.invalid("stream_options", "stream_options is only allowed with stream: true");
      }
      streamUsage = bool((ObjectNode) so, "include_usage");
    }
    DecodingParams decoding = DecodingParams.builder().optTemperature(temperature).optTopP(topP)
        .optTopK(Math.max(topK, 0)).optMaxNewTokens(maxTokens).optStopStrings(stop).build();
    return new CompletionRequest(model, prompt, n, decoding, seed, logprobs, stream, streamUsage);
  }

  private static String prompt(ObjectNode o) {
    JsonNode p = o.get("prompt");
    if (p == null || p.isNull()) {
      throw OpenAiError.invalid("prompt", "prompt is required");
    }
    if (p.isArray()) {
      if (p.size() != 1 || !p.get(0).isTextual()) {
        throw OpenAiError.invalid("prompt", "prompt must be a string or an array of exactly one string");
      }
      p = p.get(0);
    }
    if (!p.isTextual()) {
      throw OpenAiError.invalid("prompt", "prompt must be a string");
    }
    return p.asText();
  }

  /** The chat template: see {@link OpenAiServer}. */
  private static String chatPrompt(ObjectNode o) {
    JsonNode m = o.get("messages");
    if (m == null || !m.isArray() || m.isEmpty()) {
      throw OpenAiError.invalid("messages", "messages must be a non-empty array");
    }
    List<String> roles = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < m.size(); i++) {
      JsonNode msg = m.get(i);
      if (!msg.isObject() || !msg.path("role").isTextual() || !msg.path("content").isTextual()) {
        throw OpenAiError.invalid("messages[" + i + "]", "each message needs a string role and a string content "
            + "(content parts are not supported)");
      }
      roles.add(msg.get("role").asText());
      contents.add(msg.get("content").asText());
    }
    if (contents.size() == 1) {
      return contents.get(0);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < contents.size(); i++) {
      sb.append(roles.get(i)).append(": ").append(contents.get(i)).append('\n');
    }
    return sb.append("assistant: ").toString();
  }

  private static List<String> stop(ObjectNode o) {
    JsonNode s = o.get("stop");
    if (s == null || s.isNull()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (s.isTextual()) {
      out.add(s.asText());
    } else if (s.isArray()) {
      for (JsonNode e : s) {
        if (!e.isTextual()) {
          throw OpenAiError.invalid("stop", "stop must be a string or an array of strings");
        }
        out.add(e.asText());
      }
    } else {
      throw OpenAiError.invalid("stop", "stop must be a string or an array of strings");
    }
    for (String x : out) {
      if (x.isEmpty()) {
        throw OpenAiError.invalid("stop", "stop strings must be non-empty");
      }
    }
    if (out.size() > MAX_STOPS) {
      throw OpenAiError.invalid("stop", "at most " + MAX_STOPS + " stop strings, got " + out.size());
    }
    return out;
  }

  private static String text(ObjectNode o, String f, boolean required) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      if (required) {
        throw OpenAiError.invalid(f, f + " is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw OpenAiError.invalid(f, f + " must be a string");
    }
    return v.asText();
  }

  private static boolean bool(ObjectNode o, String f) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw OpenAiError.invalid(f, f + " must be true or false, got " + Texts.clip(String.valueOf(v), 64));
    }
    return v.asBoolean();
  }

  private static int integer(ObjectNode o, String f, int dflt) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw OpenAiError.invalid(f, f + " must be an integer, got " + Texts.clip(String.valueOf(v), 64));
    }
    return v.asInt();
  }

  private static double number(ObjectNode o, String f, double dflt) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw OpenAiError.invalid(f, f + " must be a number, got " + Texts.clip(String.valueOf(v), 64));
    }
    return v.asDouble();
  }
}
