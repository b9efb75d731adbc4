package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.model.Stories260K;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code probeval serve} refuses before doing any work: prompts over the character limit (before tokenizing)
 * or over the context in tokens (before decoding), too many top log-probabilities per call, a POST that is not JSON,
 * a {@code /v1} call without the API key; and that a refusal quotes a client's long value only in part.
 */
class OpenAiServerGuardsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static Llama2cModel model;
    static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

    record Reply(int status, JsonNode json, HttpResponse<String> raw) {
        JsonNode error() {
            return json.get("error");
        }
    }

    static Reply send(OpenAiServer server, String path, String body, UnaryOperator<HttpRequest.Builder> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60));
        b = headers.apply(body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body)));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()), r);
    }

    static Reply post(OpenAiServer server, String path, ObjectNode body) throws IOException, InterruptedException {
        return send(server, path, JSON.writeValueAsString(body), b -> b.header("Content-Type", "application/json"));
    }

    static ObjectNode completion(String prompt) {
        return JSON.createObjectNode()
                .put("model", "guarded")
                .put("prompt", prompt)
                .put("seed", 3)
                .put("max_tokens", 4);
    }

    static ObjectNode chat(String content) {
        ObjectNode b =
                JSON.createObjectNode().put("model", "guarded").put("seed", 3).put("max_tokens", 4);
        b.putArray("messages").addObject().put("role", "user").put("content", content);
        return b;
    }

    static OpenAiServer.Builder server(ProbeLm lm) {
        return OpenAiServer.builder(lm).modelName("guarded").port(0);
    }

    @Test
    void aPromptOverTheCharacterLimitShouldBeA400BeforeItIsTokenized() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        try (OpenAiServer s = server(lm).maxPromptChars(100).start()) {
            assertEquals(100, s.limits().maxPromptChars());
            Reply r = post(s, "/v1/completions", completion("x".repeat(101)));
            assertEquals(400, r.status(), r.json().toString());
            assertEquals("prompt", r.error().get("param").asText());
            assertEquals("context_length_exceeded", r.error().get("code").asText());
            assertTrue(
                    r.error().get("message").asText().contains("101 characters"),
                    r.json().toString());
            assertTrue(
                    r.error().get("message").asText().contains("at most 100"),
                    r.json().toString());
            Reply c = post(s, "/v1/chat/completions", chat("y".repeat(150)));
            assertEquals(400, c.status(), c.json().toString());
            assertEquals("messages", c.error().get("param").asText());
            assertEquals(0, lm.encodes.get(), "a refused prompt is never tokenized");
            assertEquals(
                    200, post(s, "/v1/completions", completion("x".repeat(100))).status(), "the limit is allowed");
            assertEquals(1, lm.encodes.get());
        }
        try (OpenAiServer s = server(lm).start()) {
            assertEquals(
                    OpenAiServer.Builder.PROMPT_CHARS_PER_CONTEXT_TOKEN * model.maxContext(),
                    s.limits().maxPromptChars(),
                    "the default follows the model's context");
        }
    }

    @Test
    void aPromptOverTheContextInTokensShouldBeA400BeforeAnyDecoding() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        try (OpenAiServer s = server(lm).start()) {
            // Under the character limit (16 per context token), far over the context in tokens.
            String prompt = "zq xj ".repeat(1000);
            Reply r = post(s, "/v1/completions", completion(prompt));
            assertEquals(400, r.status(), r.json().toString());
            assertEquals("context_length_exceeded", r.error().get("code").asText());
            assertTrue(
                    r.error().get("message").asText().contains("the model's context is " + model.maxContext()),
                    r.json().toString());
            assertEquals(1, lm.encodes.get());
            assertEquals(0, lm.forwards.get(), "no decoding for a prompt over the context");
        }
    }

    @Test
    void tooManyTopLogprobsPerCallShouldBeA400BeforeAnyWork() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        try (OpenAiServer s = server(lm).maxLogprobValues(100).start()) {
            Reply over = post(
                    s,
                    "/v1/completions",
                    completion("Tim").put("n", 3).put("max_tokens", 10).put("logprobs", 5));
            assertEquals(400, over.status(), over.json().toString());
            assertEquals("logprobs", over.error().get("param").asText());
            assertTrue(
                    over.error().get("message").asText().contains("150"),
                    over.json().toString());
            ObjectNode chatOver = chat("Tim")
                    .put("n", 3)
                    .put("max_tokens", 10)
                    .put("logprobs", true)
                    .put("top_logprobs", 5);
            Reply c = post(s, "/v1/chat/completions", chatOver);
            assertEquals(400, c.status(), c.json().toString());
            assertEquals("top_logprobs", c.error().get("param").asText());
            assertEquals(0, lm.encodes.get(), "refused before tokenizing");
            Reply at = post(
                    s,
                    "/v1/completions",
                    completion("Tim").put("n", 2).put("max_tokens", 10).put("logprobs", 5));
            assertEquals(200, at.status(), "logprobs x max_tokens x n = the limit is allowed: " + at.json());
            // Without top log-probabilities (logprobs 0, what the HTTP sampler backend asks for) the product is 0.
            Reply none = post(
                    s,
                    "/v1/completions",
                    completion("Tim").put("n", 20).put("max_tokens", 10).put("logprobs", 0));
            assertEquals(200, none.status(), none.json().toString());
        }
    }

    @Test
    void aPostThatIsNotJsonShouldBeA415AndDoNothing() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        String body = JSON.writeValueAsString(completion("Tim"));
        try (OpenAiServer s = server(lm).start()) {
            for (String type : new String[] {
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/json; charset=iso-8859-1",
                "application/jsonx"
            }) {
                Reply r = send(s, "/v1/completions", body, b -> b.header("Content-Type", type));
                assertEquals(415, r.status(), type + ": " + r.json());
                assertEquals("unsupported_media_type", r.error().get("code").asText(), type);
                assertEquals("invalid_request_error", r.error().get("type").asText(), type);
            }
            Reply none = send(s, "/v1/chat/completions", JSON.writeValueAsString(chat("Tim")), b -> b);
            assertEquals(415, none.status(), none.json().toString());
            assertEquals(0, lm.encodes.get(), "a refused post is never tokenized");
            assertEquals(0, s.queuedCalls());
            for (String type : new String[] {
                "application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\""
            }) {
                Reply ok = send(s, "/v1/completions", body, b -> b.header("Content-Type", type));
                assertEquals(200, ok.status(), type + ": " + ok.json());
            }
        }
    }

    @Test
    void anApiKeyShouldGuardEveryV1CallAndLeaveHealthOpen() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        String body = JSON.writeValueAsString(completion("Tim"));
        try (OpenAiServer s = server(lm).apiKey("s3cret-key").start()) {
            assertEquals(
                    "UP", send(s, "/health", null, b -> b).json().get("status").asText());
            Reply missing = send(s, "/v1/models", null, b -> b);
            assertEquals(401, missing.status(), missing.json().toString());
            assertEquals("invalid_api_key", missing.error().get("code").asText());
            assertEquals(
                    "Bearer",
                    missing.raw().headers().firstValue("WWW-Authenticate").orElse(null));
            Reply wrong = send(s, "/v1/models", null, b -> b.header("Authorization", "Bearer s3cret-kez"));
            assertEquals(401, wrong.status(), wrong.json().toString());
            assertTrue(!wrong.json().toString().contains("s3cret"), "the key is never echoed: " + wrong.json());
            Reply prefix = send(s, "/v1/models", null, b -> b.header("Authorization", "Bearer s3cret"));
            assertEquals(401, prefix.status(), prefix.json().toString());
            Reply basic = send(s, "/v1/models", null, b -> b.header("Authorization", "Basic s3cret-key"));
            assertEquals(401, basic.status(), basic.json().toString());
            Reply cross = send(s, "/v1/completions", body, b -> b.header("Content-Type", "text/plain"));
            assertEquals(401, cross.status(), "no key, no further answer: " + cross.json());
            Reply post = send(s, "/v1/completions", body, b -> b.header("Content-Type", "application/json"));
            assertEquals(401, post.status(), post.json().toString());
            assertEquals(0, lm.encodes.get(), "an unauthorised call is never tokenized");
            assertEquals(
                    200,
                    send(s, "/v1/models", null, b -> b.header("Authorization", "Bearer s3cret-key"))
                            .status());
            assertEquals(
                    200,
                    send(s, "/v1/models/guarded", null, b -> b.header("Authorization", "bearer s3cret-key"))
                            .status());
            Reply ok = send(
                    s,
                    "/v1/completions",
                    body,
                    b -> b.header("Content-Type", "application/json").header("Authorization", "Bearer s3cret-key"));
            assertEquals(200, ok.status(), ok.json().toString());
        }
    }

    @Test
    void aClientsLongValuesShouldBeQuotedOnlyInPart() throws Exception {
        ProbeLm lm = new ProbeLm(model, 0);
        try (OpenAiServer s = server(lm).start()) {
            List<Reply> replies = new ArrayList<>();
            replies.add(post(s, "/v1/completions", completion("Tim").put("model", "m".repeat(10_000))));
            replies.add(post(s, "/v1/completions", completion("Tim").put("n", "n".repeat(10_000))));
            replies.add(post(s, "/v1/completions", completion("Tim").put("seed", "s".repeat(10_000))));
            replies.add(post(s, "/v1/completions", completion("Tim").put("stream", "t".repeat(10_000))));
            replies.add(send(s, "/v1/" + "p".repeat(5_000), null, b -> b));
            replies.add(send(
                    s,
                    "/v1/completions",
                    "{\"prompt\": " + "9".repeat(10_000) + "x}",
                    b -> b.header("Content-Type", "application/json")));
            for (Reply r : replies) {
                assertTrue(r.status() >= 400, r.json().toString());
                String message = r.error().get("message").asText();
                assertTrue(message.length() < 500, r.status() + ": " + message.length() + " chars: " + message);
            }
            assertTrue(
                    replies.get(0).error().get("message").asText().contains("[10000 chars]"),
                    replies.get(0).json().toString());
            assertTrue(
                    replies.get(1).error().get("message").asText().contains("chars]"),
                    replies.get(1).json().toString());
        }
    }
}
