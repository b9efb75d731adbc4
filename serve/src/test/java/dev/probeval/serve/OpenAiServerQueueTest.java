package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.CausalLm;
import dev.probeval.model.KvCache;
import dev.probeval.model.Stories260K;
import dev.probeval.model.TextTokenizer;
import dev.probeval.model.llama2c.Llama2cModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The non-streamed path waits for its batch without a thread: what bounds the waiting calls ({@code maxQueuedCalls},
 * a 429 beyond it) and how a decode that fails after the handler returned still answers in OpenAI's error shape.
 */
class OpenAiServerQueueTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY =
            "{\"model\":\"gated\",\"prompt\":\"Once upon a time\",\"n\":2,\"seed\":5," + "\"max_tokens\":8}";

    static Llama2cModel model;

    @BeforeAll
    static void load() throws java.io.IOException {
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /** The stories model, whose forward pass can be held at a gate or made to fail. */
    static final class GatedLm implements CausalLm {
        final CausalLm inner;
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicBoolean fail = new AtomicBoolean();

        GatedLm(CausalLm inner) {
            this.inner = inner;
        }

        @Override
        public NDArray forward(NDArray tokens, KvCache cache) {
            entered.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (fail.get()) {
                throw new UnsupportedOperationException("forward pass failed on purpose");
            }
            return inner.forward(tokens, cache);
        }

        @Override
        public TextTokenizer tokenizer() {
            return inner.tokenizer();
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public int maxContext() {
            return inner.maxContext();
        }

        @Override
        public int[] endTokenIds() {
            return inner.endTokenIds();
        }

        @Override
        public int layers() {
            return inner.layers();
        }

        @Override
        public Device device() {
            return inner.device();
        }

        @Override
        public NDManager manager() {
            return inner.manager();
        }

        @Override
        public String describe() {
            return "gated " + inner.describe();
        }

        @Override
        public void close() {
            // the shared model is closed once, after all tests
        }
    }

    record Reply(int status, JsonNode json, HttpResponse<String> raw) {}

    static CompletableFuture<Reply> post(HttpClient http, OpenAiServer server) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            try {
                return new Reply(r.statusCode(), JSON.readTree(r.body()), r);
            } catch (Exception e) {
                throw new IllegalStateException("not JSON: " + r.body(), e);
            }
        });
    }

    @Test
    void aCallBeyondMaxQueuedCallsShouldBeA429WithRetryAfterAndTheOthersShouldStillBeAnswered() throws Exception {
        GatedLm lm = new GatedLm(model);
        lm.gate = new CountDownLatch(1);
        HttpClient http = HttpClient.newHttpClient();
        try (OpenAiServer server = OpenAiServer.builder(lm)
                .modelName("gated")
                .port(0)
                .maxQueuedCalls(2)
                .start()) {
            CompletableFuture<Reply> decoding = post(http, server);
            assertTrue(lm.entered.await(30, TimeUnit.SECONDS), "the first call reaches the model");
            // The decoder is held inside the first call's batch: a second call waits in the queue.
            CompletableFuture<Reply> waiting = post(http, server);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.queuedCalls() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(2, server.queuedCalls(), "the decoding call and the waiting one are counted");
            Reply third = post(http, server).get(30, TimeUnit.SECONDS);
            assertEquals(429, third.status(), third.json().toString());
            JsonNode e = third.json().get("error");
            assertEquals("rate_limit_exceeded", e.get("code").asText());
            assertTrue(e.get("message").asText().contains("2 calls are already waiting"), e.toString());
            assertEquals("1", third.raw().headers().firstValue("Retry-After").orElse(null));
            lm.gate.countDown();
            assertEquals(200, decoding.get(60, TimeUnit.SECONDS).status());
            assertEquals(200, waiting.get(60, TimeUnit.SECONDS).status());
            // Answered calls leave the count: the next one is admitted again.
            assertEquals(200, post(http, server).get(60, TimeUnit.SECONDS).status());
        }
    }

    @Test
    void aDecodeThatFailsAfterTheHandlerReturnedShouldBeA500InOpenAisShapeAndTheServerShouldGoOn() throws Exception {
        GatedLm lm = new GatedLm(model);
        HttpClient http = HttpClient.newHttpClient();
        try (OpenAiServer server = OpenAiServer.builder(lm)
                .modelName("gated")
                .port(0)
                .maxQueuedCalls(1)
                .start()) {
            lm.fail.set(true);
            Reply failed = post(http, server).get(60, TimeUnit.SECONDS);
            assertEquals(500, failed.status(), failed.json().toString());
            JsonNode e = failed.json().get("error");
            assertEquals("server_error", e.get("type").asText(), e.toString());
            assertTrue(e.get("message").asText().contains("forward pass failed on purpose"), e.toString());
            lm.fail.set(false);
            // The failed call left the queue count (maxQueuedCalls 1 would refuse the next call otherwise).
            Reply ok = post(http, server).get(60, TimeUnit.SECONDS);
            assertEquals(200, ok.status(), ok.json().toString());
            assertEquals(2, ok.json().get("choices").size());
        }
    }
}
