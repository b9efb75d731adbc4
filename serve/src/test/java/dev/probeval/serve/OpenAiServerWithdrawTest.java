package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.model.Stories260K;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Completions never take the HTTP threads that {@code /health} and {@code /v1/models} need, a streamed call's events
 * leave as they are decoded, and a call whose client closes its connection stops costing the model: dropped while it
 * waits, stopped while it decodes, streamed or not. The model is held at a gate ({@link ProbeLm}) so that the calls
 * are certainly waiting or decoding when the test acts.
 */
class OpenAiServerWithdrawTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static Llama2cModel model;

    @BeforeAll
    static void load() throws IOException {
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static ObjectNode completion(String prompt, int n, int maxTokens) {
        return JSON.createObjectNode()
                .put("model", "withdraw")
                .put("prompt", prompt)
                .put("n", n)
                .put("seed", 9)
                .put("max_tokens", maxTokens);
    }

    static CompletableFuture<HttpResponse<String>> postAsync(OpenAiServer s, ObjectNode body) throws IOException {
        return HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(s.url() + "/v1/completions"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A call sent on a socket of the test's own, which it can close without reading the answer. */
    static Socket sendRaw(OpenAiServer s, ObjectNode body) throws IOException {
        Socket socket = new Socket("127.0.0.1", s.port());
        byte[] bytes = JSON.writeValueAsBytes(body);
        OutputStream os = socket.getOutputStream();
        os.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        os.write(bytes);
        os.flush();
        return socket;
    }

    /** Waits (up to 60 s: a liveness bound, not a timing) until {@code condition} holds. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    static OpenAiServer.Builder server(ProbeLm lm) {
        return OpenAiServer.builder(lm).modelName("withdraw").port(0);
    }

    @Test
    void healthAndModelsShouldAnswerWhileManyLongPromptCompletionsRun() throws Exception {
        ProbeLm lm = new ProbeLm(model, 1);
        // Few threads of each kind, so that the calls below outnumber both many times.
        try (OpenAiServer s = server(lm).maxThreads(8).completionThreads(4).start()) {
            String longPrompt = "Lily and Tom went to the park to play with a big red ball. ".repeat(130);
            assertTrue(longPrompt.length() <= s.limits().maxPromptChars(), "within the characters, over the context");
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> longOnes = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                streams.add(postAsync(
                        s, completion("Once upon a time", 1, 4).put("seed", i).put("stream", true)));
                longOnes.add(postAsync(s, completion(longPrompt + i, 1, 4)));
            }
            assertTrue(lm.held.await(60, TimeUnit.SECONDS), "a call reaches the model");
            await(() -> s.queuedCalls() >= 48, "most calls are admitted (" + s.queuedCalls() + ")");
            // The decoder is held and every completion thread is taken: the HTTP threads must still answer these.
            HttpClient other =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (String path : List.of("/health", "/v1/models", "/health")) {
                HttpResponse<String> r = other.send(
                        HttpRequest.newBuilder(URI.create(s.url() + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path + ": " + r.body());
            }
            lm.release.countDown();
            for (CompletableFuture<HttpResponse<String>> f : streams) {
                HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
            }
            for (CompletableFuture<HttpResponse<String>> f : longOnes) {
                HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                assertEquals(400, r.statusCode(), r.body());
                assertTrue(r.body().contains("context_length_exceeded"), r.body());
            }
        }
    }

    @Test
    void aDecodingCallWhoseClientLeavesShouldStopBetweenTwoSteps() throws Exception {
        ProbeLm lm = new ProbeLm(model, 3);
        try (OpenAiServer s = server(lm).start()) {
            // 8 sampled rows of up to 400 tokens: decoded to the end, hundreds of forward passes.
            Socket client = sendRaw(s, completion("Once upon a time", 8, 400));
            assertTrue(lm.held.await(60, TimeUnit.SECONDS), "the call decodes");
            client.close();
            await(() -> s.queuedCalls() == 0, "the call is withdrawn");
            lm.release.countDown();
            HttpResponse<String> next = postAsync(s, completion("Tim", 1, 2)).get(120, TimeUnit.SECONDS);
            assertEquals(200, next.statusCode(), next.body());
            // The held pass, then none: the withdrawn batch stops before its 4th; the next call needs at most 2.
            assertTrue(lm.forwards.get() <= 5, "forward passes: " + lm.forwards.get());
        }
    }

    @Test
    void aWaitingCallWhoseClientLeavesShouldNeverBeDecoded() throws Exception {
        ProbeLm lm = new ProbeLm(model, 1);
        String first = "Tim and his dog";
        String gone = "Once upon a time there was a big red ball in the park";
        String after = "Lily";
        int goneTokens = model.tokenizer().encode(gone, true, false).length;
        assertTrue(
                goneTokens != model.tokenizer().encode(first, true, false).length
                        && goneTokens != model.tokenizer().encode(after, true, false).length,
                "the prompts differ in length");
        try (OpenAiServer s = server(lm).start()) {
            CompletableFuture<HttpResponse<String>> decoding = postAsync(s, completion(first, 1, 4));
            assertTrue(lm.held.await(60, TimeUnit.SECONDS), "the first call holds the decoder");
            Socket client = sendRaw(s, completion(gone, 1, 4));
            await(() -> s.queuedCalls() == 2, "the second call waits");
            client.close();
            await(() -> s.queuedCalls() == 1, "the waiting call is withdrawn");
            lm.release.countDown();
            assertEquals(200, decoding.get(120, TimeUnit.SECONDS).statusCode());
            // A later call passes through the decoder after the withdrawn one would have.
            assertEquals(
                    200,
                    postAsync(s, completion(after, 1, 2))
                            .get(120, TimeUnit.SECONDS)
                            .statusCode());
            assertFalse(lm.prefills.contains(goneTokens), "prompts read: " + lm.prefills);
            assertEquals(2, lm.prefills.size(), "prompts read: " + lm.prefills);
        }
    }

    @Test
    void streamedEventsShouldReachTheClientWhileTheCallStillDecodes() throws Exception {
        ProbeLm lm = new ProbeLm(model, 3);
        try (OpenAiServer s = server(lm).start();
                Socket client = sendRaw(s, completion("Once upon a time", 2, 8).put("stream", true))) {
            assertTrue(lm.held.await(60, TimeUnit.SECONDS), "the call decodes");
            // Two tokens are decoded and the third waits at the gate: their text must already be on the wire.
            client.setSoTimeout(60_000);
            java.io.InputStream in = client.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!seen.toString().contains("\"text\":")) {
                int n = in.read(buf);
                assertTrue(n > 0, "the stream ended before its first piece: " + seen);
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertEquals(1, lm.release.getCount(), "the first piece came while the model was held");
            assertFalse(seen.toString().contains("[DONE]"), seen.toString());
            lm.release.countDown();
        }
    }

    @Test
    void aStreamedCallWhoseClientLeavesShouldStopDecoding() throws Exception {
        ProbeLm lm = new ProbeLm(model, 3);
        // A pass of 20 ms after the gate: the stream notices the client's leaving (a failed write) within a few ms of
        // the
        // gate opening, so a handful of passes; decoded to the end the call would take hundreds.
        lm.slowMillis = 20;
        try (OpenAiServer s = server(lm).start()) {
            Socket client = sendRaw(s, completion("Once upon a time", 8, 400).put("stream", true));
            assertTrue(lm.held.await(60, TimeUnit.SECONDS), "the call decodes");
            client.close();
            lm.release.countDown();
            await(() -> s.queuedCalls() == 0, "the call is withdrawn");
            HttpResponse<String> next = postAsync(s, completion("Tim", 1, 2)).get(120, TimeUnit.SECONDS);
            assertEquals(200, next.statusCode(), next.body());
            // 3 to the gate, at most 2 for the next call: the rest is what the stream decoded before it noticed (400
            // ms).
            assertTrue(lm.forwards.get() <= 3 + 20 + 2, "forward passes: " + lm.forwards.get());
        }
    }
}
