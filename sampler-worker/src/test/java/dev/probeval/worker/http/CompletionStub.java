package dev.probeval.worker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A programmable OpenAI-style completions server for MockWebServer. A healthy answer is a function of the call's
 * seed alone: choice j of a call seeded s reads {@link #text(long)} of s + j (as {@code probeval serve} seeds its
 * choices), with 3 tokens of log-probability -0.5 each. Faults queued with {@link #then} are served first, one per
 * call; while {@link #down} is set every call gets {@link #downFault}.
 */
public final class CompletionStub extends Dispatcher {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What one call gets instead of a healthy answer. */
    public enum Fault {
        HTTP_500,
        HTTP_503,
        RATE_LIMITED_1S,
        RATE_LIMITED_LONG,
        HANG,
        CUT_BODY,
        REFUSE_CONNECTION,
        MALFORMED_JSON,
        TRUNCATED_JSON,
        BAD_REQUEST,
        /** A 200 whose body is 4 MiB of JSON text (a runaway or hostile server). */
        HUGE_BODY
    }

    private final Deque<Fault> queued = new ArrayDeque<>();
    volatile boolean down;
    /** Calls still to fail with {@link #downFault} before the endpoint is back (see {@link #downFor}). */
    private int downCalls;

    volatile Fault downFault = Fault.HTTP_503;
    final List<JsonNode> bodies = new ArrayList<>();
    final List<String> authorizations = new ArrayList<>();
    final List<String> paths = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** Pause of a healthy answer, so concurrent calls overlap. */
    volatile long answerDelayMs;

    public static String text(long seed) {
        return Math.floorMod(seed, 2) == 0 ? "there was a little girl named Lily" : "zzz " + Math.floorMod(seed, 97);
    }

    public synchronized CompletionStub then(Fault... faults) {
        for (Fault f : faults) {
            queued.add(f);
        }
        return this;
    }

    /** Down (every call failing with {@link #downFault}) for the next {@code calls} calls after the queued faults. */
    public synchronized void downFor(int calls) {
        downCalls = calls;
    }

    /** Down (or up) until told otherwise. */
    public void setDown(boolean v) {
        down = v;
    }

    public synchronized int callCount() {
        return bodies.size();
    }

    synchronized List<JsonNode> bodies() {
        return List.copyOf(bodies);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        JsonNode body;
        Fault fault;
        synchronized (this) {
            try {
                body = JSON.readTree(request.getBody().readUtf8());
            } catch (Exception e) {
                return new MockResponse().setResponseCode(400).setBody("{\"error\":{\"message\":\"bad json\"}}");
            }
            bodies.add(body);
            authorizations.add(request.getHeader("Authorization"));
            paths.add(request.getPath());
            fault = !queued.isEmpty() ? queued.poll() : down ? downFault : downCalls > 0 ? downFault : null;
            if (fault != null && queued.isEmpty() && !down && downCalls > 0 && fault == downFault) {
                downCalls--;
            }
        }
        if (fault != null) {
            return faulty(fault);
        }
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            if (answerDelayMs > 0) {
                Thread.sleep(answerDelayMs);
            }
            return new MockResponse()
                    .setHeader("Content-Type", "application/json")
                    .setBody(answer(body));
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private static MockResponse faulty(Fault f) {
        return switch (f) {
            case HTTP_500 -> new MockResponse().setResponseCode(500).setBody("{\"error\":{\"message\":\"boom\"}}");
            case HTTP_503 -> new MockResponse().setResponseCode(503).setBody("upstream down");
            case RATE_LIMITED_1S ->
                new MockResponse()
                        .setResponseCode(429)
                        .setHeader("Retry-After", "1")
                        .setBody("{\"error\":{\"message\":\"slow down\"}}");
            case RATE_LIMITED_LONG -> new MockResponse().setResponseCode(429).setHeader("Retry-After", "3600");
            case HANG -> new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE);
            case CUT_BODY ->
                new MockResponse()
                        .setHeader("Content-Type", "application/json")
                        .setBody(
                                "{\"choices\":[{\"index\":0,\"text\":\"there was a little girl named Lily and a very long tail\"}]}")
                        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY);
            case REFUSE_CONNECTION -> new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START);
            case MALFORMED_JSON ->
                new MockResponse().setHeader("Content-Type", "application/json").setBody("<html>proxy error</html>");
            case TRUNCATED_JSON ->
                new MockResponse()
                        .setHeader("Content-Type", "application/json")
                        .setBody("{\"choices\":[{\"index\":0,\"text\":\"there was a");
            case BAD_REQUEST ->
                new MockResponse()
                        .setResponseCode(400)
                        .setBody(
                                "{\"error\":{\"message\":\"max_tokens is too large\",\"type\":\"invalid_request_error\"}}");
            case HUGE_BODY ->
                new MockResponse()
                        .setHeader("Content-Type", "application/json")
                        .setBody("{\"choices\":[{\"index\":0,\"text\":\"" + "x".repeat(4 << 20) + "\"}]}");
        };
    }

    /** The healthy answer to a completions or chat call. */
    static String answer(JsonNode req) {
        boolean chat = req.has("messages");
        int n = req.path("n").asInt(1);
        long seed = req.path("seed").asLong();
        ObjectNode out = JSON.createObjectNode()
                .put("id", "cmpl-test")
                .put("object", chat ? "chat.completion" : "text_completion")
                .put("created", 1)
                .put("model", req.path("model").asText());
        ArrayNode choices = out.putArray("choices");
        for (int j = 0; j < n; j++) {
            ObjectNode c = choices.addObject().put("index", j);
            String text = req.path("temperature").asDouble() == 0 ? "greedy text" : text(seed + j);
            if (chat) {
                c.putObject("message").put("role", "assistant").put("content", text);
                ArrayNode content = c.putObject("logprobs").putArray("content");
                for (int t = 0; t < 3; t++) {
                    content.addObject().put("token", "x").put("logprob", -0.5);
                }
            } else {
                c.put("text", text);
                ObjectNode lp = c.putObject("logprobs");
                ArrayNode tokens = lp.putArray("tokens");
                ArrayNode values = lp.putArray("token_logprobs");
                for (int t = 0; t < 3; t++) {
                    tokens.add("x");
                    values.add(-0.5);
                }
            }
            c.put("finish_reason", "length").putNull("stop_reason");
        }
        out.putObject("usage")
                .put("prompt_tokens", 4)
                .put("completion_tokens", 3 * n)
                .put("total_tokens", 4 + 3 * n);
        return out.toString();
    }
}
