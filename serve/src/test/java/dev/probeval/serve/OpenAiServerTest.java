package dev.probeval.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.Stories260K;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.LocalBackend;
import dev.probeval.model.llama2c.Llama2cModel;
import dev.probeval.model.sampling.DecodingParams;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code probeval serve}'s API over real HTTP on loopback, on the real stories260K model. */
class OpenAiServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROMPT = "Tim and his dog";
    static Llama2cModel model;
    static OpenAiServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws IOException {
        model = Llama2cModel.load(Stories260K.checkpoint(), Stories260K.tokenizer());
        server = OpenAiServer.builder(model)
                .modelName("stories260K")
                .port(0)
                .maxN(64)
                .maxTokens(256)
                .maxLogprobs(5)
                .start();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    record Reply(int status, JsonNode json, String body, HttpResponse<String> raw) {}

    static Reply post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(r.body());
        }
        return new Reply(r.statusCode(), json, r.body(), r);
    }

    static Reply post(String path, ObjectNode body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    static ObjectNode completion(int n, long seed, int maxTokens) {
        ObjectNode b = JSON.createObjectNode()
                .put("model", "stories260K")
                .put("prompt", PROMPT)
                .put("n", n)
                .put("seed", seed)
                .put("max_tokens", maxTokens)
                .put("top_p", 0.9);
        return b;
    }

    static Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), JSON.readTree(r.body()), r.body(), r);
    }

    /** The 400 body names {@code param} and carries OpenAI's four fields. */
    static void assertBadRequest(Reply r, String param) {
        assertEquals(400, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isEmpty(), r.body());
        assertEquals("invalid_request_error", e.get("type").asText(), r.body());
        assertEquals(param, e.get("param").isNull() ? null : e.get("param").asText(), r.body());
        assertTrue(e.has("code"), r.body());
    }

    @Test
    void modelsShouldListTheServedModel() throws Exception {
        Reply r = get("/v1/models");
        assertEquals(200, r.status());
        assertEquals("list", r.json().get("object").asText());
        assertEquals(1, r.json().get("data").size());
        JsonNode m = r.json().get("data").get(0);
        assertEquals("stories260K", m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertTrue(m.get("created").isIntegralNumber());
        assertEquals(model.maxContext(), m.get("max_model_len").asInt());
        assertEquals(200, get("/v1/models/stories260K").status());
        assertEquals("UP", get("/health").json().get("status").asText());
        Reply missing = get("/v1/models/gpt-4");
        assertEquals(404, missing.status());
        assertEquals("model_not_found", missing.json().get("error").get("code").asText());
    }

    @Test
    void aCompletionWithNChoicesShouldCarryWhatOpenAiClientsParse() throws Exception {
        Reply r = post("/v1/completions", completion(5, 11, 24));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", j.get("object").asText());
        assertTrue(j.get("created").asLong() > 1_600_000_000L);
        assertEquals("stories260K", j.get("model").asText());
        assertEquals(5, j.get("choices").size());
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            JsonNode c = j.get("choices").get(i);
            assertEquals(i, c.get("index").asInt());
            assertTrue(c.get("text").isTextual());
            texts.add(c.get("text").asText());
            assertTrue(c.get("logprobs").isNull());
            assertTrue(Set.of("stop", "length").contains(c.get("finish_reason").asText()), c.toString());
        }
        assertTrue(texts.size() > 1, "choices are drawn with different seeds: " + texts);
        int promptTokens = model.tokenizer().encode(PROMPT, true, false).length;
        JsonNode u = j.get("usage");
        assertEquals(promptTokens, u.get("prompt_tokens").asInt());
        // Every choice spends its budget or ends with the end token, which counts.
        int expected = 0;
        List<GeneratedSample> direct = drawInProcess(5, 11, 24);
        for (GeneratedSample s : direct) {
            expected += s.tokens();
        }
        assertEquals(expected, u.get("completion_tokens").asInt());
        assertEquals(promptTokens + expected, u.get("total_tokens").asInt());
        assertEquals(
                "11", r.raw().headers().firstValue(OpenAiServer.SEED_HEADER).orElseThrow());
    }

    /** The choices of one call as the engine draws them with the documented row seeds. */
    private static List<GeneratedSample> drawInProcess(int n, long seed, int maxTokens) {
        DecodingParams p =
                DecodingParams.builder().optTopP(0.9).optMaxNewTokens(maxTokens).build();
        List<GeneratedSample> out = new ArrayList<>();
        try (var engine = new NoCloseBackend()) {
            for (int i = 0; i < n; i++) {
                out.add(engine.row(p, OpenAiServer.rowSeed(seed, i)));
            }
        }
        return out;
    }

    /** Draws single rows with a given seed through the engine, without closing the shared model. */
    private static final class NoCloseBackend implements AutoCloseable {
        final dev.probeval.model.sampling.SamplingEngine engine = new dev.probeval.model.sampling.SamplingEngine(model);

        GeneratedSample row(DecodingParams p, long seed) {
            var s = engine.generate(
                            PROMPT, p, List.of(new dev.probeval.model.sampling.SamplingEngine.Row(0, seed, false)))
                    .get(0);
            return new GeneratedSample(
                    "x",
                    0,
                    GeneratedSample.Kind.SAMPLED,
                    s.text(),
                    s.tokenCount(),
                    s.finish(),
                    s.logprob(),
                    s.modelLogprob(),
                    s.seed(),
                    null);
        }

        @Override
        public void close() {}
    }

    @Test
    void aOneChoiceCallSeededWithTheSampleSeedShouldReproduceTheInProcessSample() throws Exception {
        long base = 42;
        String requestId = "req-serve-parity";
        DecodingParams p = DecodingParams.builder()
                .optTemperature(0.8)
                .optTopP(0.95)
                .optTopK(40)
                .optMaxNewTokens(48)
                .build();
        // LocalBackend draws all 8 samples as one batch, exactly as the worker does.
        LocalBackend backend = new LocalBackend(model);
        List<GeneratedSample> inProcess = backend.generate(GenerationRequest.of(requestId, PROMPT, 8, p, base, true));
        int compared = 0;
        for (GeneratedSample s : inProcess) {
            ObjectNode b = JSON.createObjectNode()
                    .put("model", "stories260K")
                    .put("prompt", PROMPT)
                    .put("n", 1)
                    .put("max_tokens", 48);
            if (s.kind() == GeneratedSample.Kind.GREEDY) {
                b.put("temperature", 0);
            } else {
                b.put("temperature", 0.8)
                        .put("top_p", 0.95)
                        .put("top_k", 40)
                        .put("seed", SampleIds.sampleSeed(base, requestId, s.index()));
            }
            Reply r = post("/v1/completions", b);
            assertEquals(200, r.status(), r.body());
            JsonNode c = r.json().get("choices").get(0);
            assertEquals(s.text(), c.get("text").asText(), "sample " + s.index());
            assertEquals(
                    s.tokens(), r.json().get("usage").get("completion_tokens").asInt(), "sample " + s.index());
            assertEquals(
                    s.finish() == dev.probeval.model.sampling.FinishReason.LENGTH ? "length" : "stop",
                    c.get("finish_reason").asText());
            compared++;
        }
        assertEquals(9, compared);
        Set<String> distinct = new HashSet<>();
        inProcess.forEach(s -> distinct.add(s.text()));
        assertTrue(distinct.size() > 2, "the samples differ, so the comparison is not vacuous: " + distinct);
    }

    @Test
    void choiceZeroShouldBeSeededWithTheSeedAndOtherChoicesWithTheDocumentedMix() throws Exception {
        Reply many = post("/v1/completions", completion(4, 1234, 32));
        assertEquals(200, many.status(), many.body());
        List<GeneratedSample> expected = drawInProcess(4, 1234, 32);
        for (int i = 0; i < 4; i++) {
            assertEquals(
                    expected.get(i).text(),
                    many.json().get("choices").get(i).get("text").asText(),
                    "choice " + i);
        }
        Reply one = post("/v1/completions", completion(1, 1234, 32));
        assertEquals(
                many.json().get("choices").get(0).get("text"),
                one.json().get("choices").get(0).get("text"));
        assertEquals(SampleIds.sampleSeed(1234, "serve", 3), OpenAiServer.rowSeed(1234, 3));
        assertEquals(1234, OpenAiServer.rowSeed(1234, 0));
    }

    @Test
    void withoutASeedTheServerShouldDrawOneAndReportIt() throws Exception {
        ObjectNode b = completion(2, 0, 20);
        b.remove("seed");
        Reply r = post("/v1/completions", b);
        assertEquals(200, r.status(), r.body());
        long seed = Long.parseLong(
                r.raw().headers().firstValue(OpenAiServer.SEED_HEADER).orElseThrow());
        assertEquals(seed, r.json().get("seed").asLong());
        Reply again = post("/v1/completions", completion(2, seed, 20));
        assertEquals(r.json().get("choices"), again.json().get("choices"), "the reported seed repeats the call");
    }

    @Test
    void temperatureZeroShouldDecodeGreedilyWhateverTheSeed() throws Exception {
        ObjectNode a = completion(3, 1, 30).put("temperature", 0);
        ObjectNode b = completion(1, 99, 30).put("temperature", 0);
        JsonNode ca = post("/v1/completions", a).json().get("choices");
        JsonNode cb = post("/v1/completions", b).json().get("choices");
        String greedy = new LocalBackend(model)
                .generate(GenerationRequest.of("g", PROMPT, 0, DecodingParams.greedy(30), 0, true))
                .get(0)
                .text();
        for (JsonNode c : ca) {
            assertEquals(greedy, c.get("text").asText());
        }
        assertEquals(greedy, cb.get(0).get("text").asText());
    }

    @Test
    void aStopStringShouldCutTheTextAndBeReported() throws Exception {
        String full = post("/v1/completions", completion(1, 5, 64))
                .json()
                .get("choices")
                .get(0)
                .get("text")
                .asText();
        // A stop string taken from the middle of the unstopped text: the stopped text is what precedes it.
        int cut = full.indexOf(' ', full.length() / 2);
        assertTrue(cut > 0, full);
        String stop = full.substring(cut, Math.min(full.length(), cut + 3));
        String expected = full.substring(0, full.indexOf(stop));
        for (ObjectNode b : List.of(completion(1, 5, 64).put("stop", stop), (ObjectNode) completion(1, 5, 64)
                .set("stop", JSON.createArrayNode().add("zzzz-never").add(stop)))) {
            Reply r = post("/v1/completions", b);
            assertEquals(200, r.status(), r.body());
            JsonNode c = r.json().get("choices").get(0);
            assertEquals(expected, c.get("text").asText());
            assertEquals("stop", c.get("finish_reason").asText());
            assertEquals(stop, c.get("stop_reason").asText());
        }
        JsonNode unstopped = post("/v1/completions", completion(1, 5, 64))
                .json()
                .get("choices")
                .get(0);
        assertTrue(unstopped.get("stop_reason").isNull());
    }

    @Test
    void logprobsShouldGiveEachTokenAndItsAlternatives() throws Exception {
        Reply r = post("/v1/completions", completion(2, 3, 20).put("logprobs", 3));
        assertEquals(200, r.status(), r.body());
        JsonNode usage = r.json().get("usage");
        int tokens = 0;
        for (JsonNode c : r.json().get("choices")) {
            JsonNode lp = c.get("logprobs");
            int k = lp.get("tokens").size();
            tokens += k;
            assertEquals(k, lp.get("token_logprobs").size());
            assertEquals(k, lp.get("text_offset").size());
            assertEquals(k, lp.get("top_logprobs").size());
            StringBuilder text = new StringBuilder();
            for (int t = 0; t < k; t++) {
                assertEquals(text.length(), lp.get("text_offset").get(t).asInt());
                text.append(lp.get("tokens").get(t).asText());
                double chosen = lp.get("token_logprobs").get(t).asDouble();
                assertTrue(chosen <= 0, lp.toString());
                JsonNode top = lp.get("top_logprobs").get(t);
                assertTrue(top.size() >= 1 && top.size() <= 3, top.toString());
                double best = Double.NEGATIVE_INFINITY;
                for (var it = top.fields(); it.hasNext(); ) {
                    best = Math.max(best, it.next().getValue().asDouble());
                }
                assertTrue(
                        chosen <= best + 1e-9, "the most likely alternative is at least as likely as the chosen token");
            }
            if ("length".equals(c.get("finish_reason").asText())) {
                assertEquals(c.get("text").asText(), text.toString());
            }
        }
        assertEquals(usage.get("completion_tokens").asInt(), tokens);

        Reply zero = post("/v1/completions", completion(1, 3, 20).put("logprobs", 0));
        JsonNode lp0 = zero.json().get("choices").get(0).get("logprobs");
        assertTrue(lp0.get("top_logprobs").isNull());
        JsonNode lp3 = r.json().get("choices").get(0).get("logprobs");
        assertEquals(lp3.get("tokens"), lp0.get("tokens"), "asking for alternatives does not change the draw");
        for (int t = 0; t < lp0.get("token_logprobs").size(); t++) {
            // A batch of 2 and a batch of 1 agree to float32 rounding (PyTorch's CPU kernels depend on the batch size).
            assertEquals(
                    lp3.get("token_logprobs").get(t).asDouble(),
                    lp0.get("token_logprobs").get(t).asDouble(),
                    1e-4);
        }

        ObjectNode chat = chatBody(1, 3, 20).put("logprobs", true).put("top_logprobs", 2);
        Reply cr = post("/v1/chat/completions", chat);
        assertEquals(200, cr.status(), cr.body());
        JsonNode content = cr.json().get("choices").get(0).get("logprobs").get("content");
        assertEquals(cr.json().get("usage").get("completion_tokens").asInt(), content.size());
        assertTrue(content.get(0).get("token").isTextual());
        assertTrue(content.get(0).get("bytes").isArray());
        assertEquals(2, content.get(0).get("top_logprobs").size());
    }

    static ObjectNode chatBody(int n, long seed, int maxTokens) {
        ObjectNode b = JSON.createObjectNode()
                .put("model", "stories260K")
                .put("n", n)
                .put("seed", seed)
                .put("max_tokens", maxTokens)
                .put("top_p", 0.9);
        b.putArray("messages").addObject().put("role", "user").put("content", PROMPT);
        return b;
    }

    @Test
    void aChatCallWithOneMessageShouldEqualTheCompletionOfItsContent() throws Exception {
        Reply chat = post("/v1/chat/completions", chatBody(3, 8, 32));
        assertEquals(200, chat.status(), chat.body());
        JsonNode j = chat.json();
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", j.get("object").asText());
        JsonNode plain = post("/v1/completions", completion(3, 8, 32)).json();
        for (int i = 0; i < 3; i++) {
            JsonNode c = j.get("choices").get(i);
            assertEquals(i, c.get("index").asInt());
            assertEquals("assistant", c.get("message").get("role").asText());
            assertEquals(
                    plain.get("choices").get(i).get("text").asText(),
                    c.get("message").get("content").asText());
            assertEquals(plain.get("choices").get(i).get("finish_reason"), c.get("finish_reason"));
        }
        assertEquals(plain.get("usage"), j.get("usage"));

        // Several messages go through the documented template.
        ObjectNode multi = chatBody(1, 8, 16);
        multi.putArray("messages")
                .add(JSON.createObjectNode().put("role", "system").put("content", "Tell a story."))
                .add(JSON.createObjectNode().put("role", "user").put("content", "A dog"));
        JsonNode m = post("/v1/chat/completions", multi).json();
        ObjectNode templ = completion(1, 8, 16).put("prompt", "system: Tell a story.\nuser: A dog\nassistant: ");
        assertEquals(
                post("/v1/completions", templ).json().get("choices").get(0).get("text"),
                m.get("choices").get(0).get("message").get("content"));
    }

    /** The {@code data:} payloads of a server-sent event stream, in order. */
    static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            assertTrue(block.startsWith("data: "), "every event is one data line: " + block);
            out.add(block.substring("data: ".length()));
        }
        return out;
    }

    @Test
    void streamedChunksShouldReassembleToTheNonStreamedText() throws Exception {
        for (ObjectNode b : List.of(
                completion(4, 21, 60),
                completion(3, 22, 60).put("stop", ". "),
                completion(2, 23, 60).put("stop", "e"))) {
            Reply plain = post("/v1/completions", b);
            assertEquals(200, plain.status(), plain.body());
            Reply streamed = post("/v1/completions", b.deepCopy().put("stream", true));
            assertEquals(200, streamed.status(), streamed.body());
            assertTrue(streamed.raw()
                    .headers()
                    .firstValue("Content-Type")
                    .orElse("")
                    .startsWith("text/event-stream"));
            List<String> ev = events(streamed.body());
            assertEquals("[DONE]", ev.get(ev.size() - 1));
            Map<Integer, StringBuilder> texts = new TreeMap<>();
            Map<Integer, String> finish = new TreeMap<>();
            int pieces = 0;
            for (String e : ev.subList(0, ev.size() - 1)) {
                JsonNode chunk = JSON.readTree(e);
                assertEquals("text_completion", chunk.get("object").asText());
                assertEquals(plain.json().get("model"), chunk.get("model"));
                assertTrue(chunk.get("id").asText().startsWith("cmpl-"));
                for (JsonNode c : chunk.get("choices")) {
                    int i = c.get("index").asInt();
                    assertFalse(finish.containsKey(i), "no text after a choice's finish chunk");
                    texts.computeIfAbsent(i, k -> new StringBuilder())
                            .append(c.get("text").asText());
                    pieces++;
                    if (!c.get("finish_reason").isNull()) {
                        finish.put(i, c.get("finish_reason").asText());
                    }
                }
            }
            JsonNode choices = plain.json().get("choices");
            assertEquals(choices.size(), texts.size());
            for (int i = 0; i < choices.size(); i++) {
                assertEquals(choices.get(i).get("text").asText(), texts.get(i).toString(), "choice " + i + " of " + b);
                assertEquals(choices.get(i).get("finish_reason").asText(), finish.get(i));
            }
            assertTrue(pieces > 2 * choices.size(), "text arrives in several pieces, not at once: " + pieces);
        }
    }

    @Test
    void aStreamedChatShouldSendRoleThenDeltasThenUsageWhenAsked() throws Exception {
        ObjectNode b = chatBody(2, 31, 40).put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        Reply streamed = post("/v1/chat/completions", b);
        assertEquals(200, streamed.status(), streamed.body());
        List<String> ev = events(streamed.body());
        assertEquals("[DONE]", ev.get(ev.size() - 1));
        JsonNode usageChunk = JSON.readTree(ev.get(ev.size() - 2));
        assertEquals(0, usageChunk.get("choices").size());
        JsonNode plain = post("/v1/chat/completions", chatBody(2, 31, 40)).json();
        assertEquals(plain.get("usage"), usageChunk.get("usage"));
        Map<Integer, StringBuilder> texts = new TreeMap<>();
        for (String e : ev.subList(0, ev.size() - 2)) {
            JsonNode chunk = JSON.readTree(e);
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            for (JsonNode c : chunk.get("choices")) {
                StringBuilder t = texts.get(c.get("index").asInt());
                if (t == null) {
                    assertEquals("assistant", c.get("delta").get("role").asText(), "the first delta names the role");
                    texts.put(c.get("index").asInt(), new StringBuilder());
                    continue;
                }
                if (c.get("delta").has("content")) {
                    t.append(c.get("delta").get("content").asText());
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(
                    plain.get("choices").get(i).get("message").get("content").asText(),
                    texts.get(i).toString());
        }
    }

    @Test
    void eachBadFieldShouldBeA400NamingIt() throws Exception {
        Map<String, ObjectNode> cases = new java.util.LinkedHashMap<>();
        cases.put("prompt", completion(1, 1, 8).putNull("prompt"));
        cases.put("n", completion(0, 1, 8));
        cases.put("max_tokens", completion(1, 1, 0));
        cases.put("temperature", completion(1, 1, 8).put("temperature", -0.5));
        cases.put("top_p", completion(1, 1, 8).put("top_p", 1.5));
        cases.put("top_k", completion(1, 1, 8).put("top_k", -2));
        cases.put("seed", completion(1, 1, 8).put("seed", "abc"));
        cases.put("stop", (ObjectNode)
                completion(1, 1, 8).set("stop", JSON.createArrayNode().add(3)));
        cases.put("logprobs", completion(1, 1, 8).put("logprobs", -1));
        cases.put("echo", completion(1, 1, 8).put("echo", true));
        cases.put("stream", completion(1, 1, 8).put("stream", "yes"));
        cases.put("best_of", completion(2, 1, 8).put("best_of", 3));
        cases.put("presence_penalty", completion(1, 1, 8).put("presence_penalty", 0.5));
        cases.put("model", completion(1, 1, 8).put("model", 7));
        for (var c : cases.entrySet()) {
            assertBadRequest(post("/v1/completions", c.getValue()), c.getKey());
        }
        // Above the configured limits (64 choices, 256 tokens, 5 log-probabilities).
        assertBadRequest(post("/v1/completions", completion(65, 1, 8)), "n");
        assertBadRequest(post("/v1/completions", completion(1, 1, 257)), "max_tokens");
        assertBadRequest(post("/v1/completions", completion(1, 1, 8).put("logprobs", 6)), "logprobs");
        assertBadRequest(post("/v1/completions", completion(1, 1, 8).put("max_tokens", 1e12)), "max_tokens");
        assertEquals(200, post("/v1/completions", completion(64, 1, 2)).status(), "the limits themselves are allowed");

        Reply echo = post("/v1/completions", completion(1, 1, 8).put("echo", true));
        assertTrue(echo.json().get("error").get("message").asText().contains("echo"), echo.body());

        assertBadRequest(post("/v1/completions", "{not json"), null);
        assertBadRequest(post("/v1/completions", "[1,2]"), null);
        ObjectNode noMessages = chatBody(1, 1, 8);
        noMessages.remove("messages");
        assertBadRequest(post("/v1/chat/completions", noMessages), "messages");
        ObjectNode badMessage = chatBody(1, 1, 8);
        badMessage.putArray("messages").addObject().put("role", "user");
        assertBadRequest(post("/v1/chat/completions", badMessage), "messages[0]");
        assertBadRequest(post("/v1/chat/completions", chatBody(1, 1, 8).put("top_logprobs", 2)), "top_logprobs");

        Reply unknown = post("/v1/completions", completion(1, 1, 8).put("model", "gpt-4"));
        assertEquals(404, unknown.status());
        assertEquals("model", unknown.json().get("error").get("param").asText());
        assertEquals("model_not_found", unknown.json().get("error").get("code").asText());

        Reply route = post("/v1/embeddings", completion(1, 1, 8));
        assertEquals(404, route.status());
        assertTrue(route.json().get("error").get("message").isTextual(), "the framework's errors share the shape");
    }

    @Test
    void concurrentOneChoiceCallsShouldEachGetTheirOwnSeedsSample() throws Exception {
        int calls = 12;
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                long seed = SampleIds.sampleSeed(7, "concurrent", i);
                replies.add(pool.submit(() -> post("/v1/completions", completion(1, seed, 40))));
            }
            for (int i = 0; i < calls; i++) {
                Reply r = replies.get(i).get();
                assertEquals(200, r.status(), r.body());
                String expected = drawInProcess(1, SampleIds.sampleSeed(7, "concurrent", i), 40)
                        .get(0)
                        .text();
                assertEquals(
                        expected, r.json().get("choices").get(0).get("text").asText(), "call " + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertNotEquals(
                drawInProcess(1, SampleIds.sampleSeed(7, "concurrent", 0), 40)
                        .get(0)
                        .text(),
                drawInProcess(1, SampleIds.sampleSeed(7, "concurrent", 1), 40)
                        .get(0)
                        .text());
    }
}
