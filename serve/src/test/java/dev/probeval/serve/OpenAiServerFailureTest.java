package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.probeval.model.CausalLm;
import dev.probeval.model.KvCache;
import dev.probeval.model.Stories260K;
import dev.probeval.model.TextTokenizer;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A decoding that fails answers in OpenAI's error shape: as the response when not streamed, as the stream's last
 * event before {@code [DONE]} when the 200 has already gone (chat's role chunk first), with the type telling the
 * client's fault from the server's.
 */
class OpenAiServerFailureTest {
    static Llama2cModel model;
    static final HttpClient HTTP = HttpClient.newHttpClient();

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

    static HttpResponse<String> post(OpenAiServer s, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(s.url() + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String error(String message, String type) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":null}}";
    }

    @Test
    void aFailedDecodingShouldBeAnErrorResponseOrAStreamsLastEvent() throws Exception {
        String body = "{\"prompt\":\"Tim\",\"seed\":1,\"max_tokens\":4";
        try (OpenAiServer s = OpenAiServer.builder(new FailingLm(model, new IllegalStateException("model broken")))
                .modelName("f")
                .port(0)
                .start()) {
            HttpResponse<String> plain = post(s, "/v1/completions", body + "}");
            assertEquals(503, plain.statusCode());
            assertEquals(error("model broken", "server_error"), plain.body());

            HttpResponse<String> streamed = post(s, "/v1/completions", body + ",\"stream\":true}");
            assertEquals(200, streamed.statusCode(), "the stream is committed before decoding fails");
            assertEquals("data: " + error("model broken", "server_error") + "\n\ndata: [DONE]\n\n", streamed.body());

            HttpResponse<String> chat = post(
                    s,
                    "/v1/chat/completions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Tim\"}],\"seed\":1,\"max_tokens\":4,\"stream\":true}");
            List<String> events = OpenAiServerTest.events(chat.body());
            assertEquals(3, events.size(), chat.body());
            assertTrue(events.get(0).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}"), events.get(0));
            assertEquals(error("model broken", "server_error"), events.get(1));
            assertEquals("[DONE]", events.get(2));
        }
        try (OpenAiServer s = OpenAiServer.builder(new FailingLm(model, new IllegalArgumentException("bad tokens")))
                .modelName("f")
                .port(0)
                .start()) {
            HttpResponse<String> plain = post(s, "/v1/completions", body + "}");
            assertEquals(400, plain.statusCode());
            assertEquals(
                    "{\"error\":{\"message\":\"bad tokens\",\"type\":\"invalid_request_error\",\"param\":\"prompt\","
                            + "\"code\":null}}",
                    plain.body());
            HttpResponse<String> streamed = post(s, "/v1/completions", body + ",\"stream\":true}");
            assertEquals(
                    "data: " + error("bad tokens", "invalid_request_error") + "\n\ndata: [DONE]\n\n", streamed.body());
        }
    }

    /** The model, except that every forward pass throws {@code failure}. */
    static final class FailingLm implements CausalLm {
        final CausalLm inner;
        final RuntimeException failure;

        FailingLm(CausalLm inner, RuntimeException failure) {
            this.inner = inner;
            this.failure = failure;
        }

        @Override
        public NDArray forward(NDArray tokens, KvCache cache) {
            throw failure;
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
            return "failing " + inner.describe();
        }

        @Override
        public void close() {
            // the shared model is closed once, after the tests
        }
    }
}
