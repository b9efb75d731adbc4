package dev.probeval.worker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.sampling.DecodingParams;
import dev.probeval.model.sampling.FinishReason;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP backend against a programmable stub: what it sends, what it reads, and every fault it must survive. */
class HttpBackendTest {
    private static final DecodingParams DECODING = DecodingParams.builder()
            .optTemperature(0.8)
            .optTopP(0.9)
            .optMaxNewTokens(8)
            .optStopStrings(List.of("\n\n"))
            .build();

    private MockWebServer server;
    private CompletionStub stub;
    private HttpBackend backend;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() throws Exception {
        stub = new CompletionStub();
        server = new MockWebServer();
        server.setDispatcher(stub);
        server.start();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
        server.shutdown();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** An endpoint with short timeouts and pauses so faults resolve quickly. */
    private HttpEndpoint endpoint(String extra) {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        for (String kv : ("model=served,timeout=1s,retries=3,retryBackoff=20ms,maxRetryBackoff=200ms"
                        + (extra.isEmpty() ? "" : "," + extra))
                .split(",")) {
            o.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        StringBuilder entry = new StringBuilder("m1=" + url());
        o.forEach((k, v) -> entry.append(',').append(k).append('=').append(v));
        return ModelCatalog.parseEntry(entry.toString(), null).endpoint();
    }

    private HttpBackend open(HttpEndpoint e) {
        backend = HttpBackend.open("m1", e, Map.of("PROBEVAL_TEST_KEY", "sk-very-secret-123")::get, registry);
        return backend;
    }

    private static GenerationRequest request(int first, int count, boolean greedy) {
        return new GenerationRequest("req-1", "Once upon a time", first, count, DECODING, 7, greedy);
    }

    private static void assertHealthy(List<GeneratedSample> got, int first, int count, boolean greedy) {
        assertEquals(count + (greedy ? 1 : 0), got.size());
        int k = 0;
        if (greedy) {
            GeneratedSample g = got.get(k++);
            assertEquals(SampleIds.GREEDY_INDEX, g.index());
            assertEquals(GeneratedSample.Kind.GREEDY, g.kind());
            assertEquals("greedy text", g.text());
        }
        for (int i = first; i < first + count; i++) {
            GeneratedSample s = got.get(k++);
            long seed = SampleIds.sampleSeed(7, "req-1", i);
            assertEquals(i, s.index());
            assertEquals(SampleIds.sampleId("req-1", i), s.sampleId());
            assertEquals(seed, s.seed());
            assertEquals(CompletionStub.text(seed), s.text());
            assertEquals(3, s.tokens());
            assertEquals(-1.5, s.modelLogprob(), 1e-12);
            assertEquals(FinishReason.LENGTH, s.finish());
            assertTrue(s.reproducible());
        }
    }

    @Test
    void oneCallPerSampleWithTheEnginesSeedAndAGreedyCallAtTemperatureZero() {
        List<GeneratedSample> got = open(endpoint("")).generate(request(4, 3, true));
        assertHealthy(got, 4, 3, true);
        List<JsonNode> bodies = stub.bodies();
        assertEquals(4, bodies.size());
        Set<Long> seeds = new HashSet<>();
        for (JsonNode b : bodies) {
            assertEquals("served", b.get("model").asText());
            assertEquals("Once upon a time", b.get("prompt").asText());
            assertEquals(1, b.get("n").asInt());
            assertEquals(8, b.get("max_tokens").asInt());
            assertEquals("\n\n", b.get("stop").get(0).asText());
            assertEquals(0, b.get("logprobs").asInt(), "the chosen tokens' log-probabilities, no alternatives");
            assertFalse(b.has("top_k"), "top_k only goes to servers that accept it");
            seeds.add(b.get("seed").asLong());
            if (b.get("temperature").asDouble() == 0) {
                assertEquals(
                        SampleIds.sampleSeed(7, "req-1", SampleIds.GREEDY_INDEX),
                        b.get("seed").asLong());
            } else {
                assertEquals(0.8, b.get("temperature").asDouble());
                assertEquals(0.9, b.get("top_p").asDouble());
            }
        }
        assertEquals(
                Set.of(
                        SampleIds.sampleSeed(7, "req-1", -1),
                        SampleIds.sampleSeed(7, "req-1", 4),
                        SampleIds.sampleSeed(7, "req-1", 5),
                        SampleIds.sampleSeed(7, "req-1", 6)),
                seeds);
        assertTrue(stub.paths.stream().allMatch("/v1/completions"::equals), stub.paths.toString());
        assertEquals(
                1.0 * 4,
                registry.get("probeval.worker.http.requests")
                        .tag("outcome", "ok")
                        .counter()
                        .count());
        assertEquals(
                12.0,
                registry.get("probeval.worker.http.tokens")
                        .tag("kind", "completion")
                        .counter()
                        .count());
    }

    @Test
    void aBodyOverTheLimitFailsTheCallWithoutRetryingOrBufferingIt() {
        stub.then(CompletionStub.Fault.HUGE_BODY);
        EndpointResponseException e = assertThrows(
                EndpointResponseException.class,
                () -> open(endpoint("maxConcurrency=1,maxResponseBytes=65536")).generate(request(0, 1, false)));
        assertTrue(e.getMessage().contains("over the limit of 65536 bytes (maxResponseBytes)"), e.getMessage());
        assertEquals(1, stub.callCount(), "not retried: the same call would answer as much again");
        assertEquals(HttpEndpoint.DEFAULT_MAX_RESPONSE_BYTES, endpoint("").maxResponseBytes());
        // within the limit, the same backend reads healthy answers
        assertHealthy(backend.generate(request(0, 2, false)), 0, 2, false);
        IllegalArgumentException tiny =
                assertThrows(IllegalArgumentException.class, () -> endpoint("maxResponseBytes=10"));
        assertTrue(tiny.getMessage().contains("maxResponseBytes must be >= 1024"), tiny.getMessage());
    }

    @Test
    void aKeyGoesInClearOnlyOverPlainHttpToAHostThatIsNotLoopback() {
        Map<String, String> key = Map.of("apiKeyEnv", "K");
        assertTrue(HttpEndpoint.parse("v", "http://llm.example:8000", key).sendsKeyInClear());
        assertTrue(HttpEndpoint.parse("v", "http://10.0.0.5:8000/v1", key).sendsKeyInClear());
        assertFalse(HttpEndpoint.parse("v", "https://llm.example", key).sendsKeyInClear());
        assertFalse(
                HttpEndpoint.parse("v", "http://llm.example", Map.of()).sendsKeyInClear(), "no key, nothing to leak");
        for (String loopback : List.of(
                "http://localhost:8000",
                "http://127.0.0.1:8000",
                "http://127.8.9.10",
                "http://[::1]:8000",
                "http://LOCALHOST")) {
            assertFalse(HttpEndpoint.parse("v", loopback, key).sendsKeyInClear(), loopback);
        }
        assertTrue(
                HttpEndpoint.parse("v", "http://localhost.example.com", key).sendsKeyInClear(),
                "a name is not resolved: only literal loopback hosts count");
    }

    @Test
    void theChatVariantSendsThePromptAsOneUserMessage() {
        List<GeneratedSample> got = open(endpoint("chat=true")).generate(request(0, 2, false));
        assertHealthy(got, 0, 2, false);
        JsonNode b = stub.bodies().get(0);
        assertEquals("user", b.get("messages").get(0).get("role").asText());
        assertEquals("Once upon a time", b.get("messages").get(0).get("content").asText());
        assertTrue(b.get("logprobs").asBoolean());
        assertTrue(stub.paths.stream().allMatch("/v1/chat/completions"::equals), stub.paths.toString());
    }

    @Test
    void severalSamplesPerCallShareTheCallsSeedAndAreMarkedNotReproducible() {
        List<GeneratedSample> got = open(endpoint("samplesPerCall=4")).generate(request(0, 6, true));
        assertEquals(7, got.size());
        assertTrue(got.get(0).reproducible(), "the greedy baseline is deterministic");
        List<JsonNode> bodies = stub.bodies();
        assertEquals(3, bodies.size()); // greedy, 0..3, 4..5
        long seed0 = SampleIds.sampleSeed(7, "req-1", 0);
        long seed4 = SampleIds.sampleSeed(7, "req-1", 4);
        for (int i = 0; i < 6; i++) {
            GeneratedSample s = got.get(i + 1);
            assertEquals(i, s.index());
            assertFalse(s.reproducible());
            long call = i < 4 ? seed0 : seed4;
            assertEquals(call, s.seed());
            assertEquals(CompletionStub.text(call + (i < 4 ? i : i - 4)), s.text());
        }
    }

    @Test
    void topKGoesOnlyToServersThatAcceptIt() {
        GenerationRequest topK = new GenerationRequest(
                "req-1",
                "p",
                0,
                1,
                DecodingParams.builder().optTopK(40).optMaxNewTokens(4).build(),
                7,
                false);
        EndpointResponseException e = assertThrows(
                EndpointResponseException.class, () -> open(endpoint("")).generate(topK));
        assertTrue(e.getMessage().contains("acceptsTopK"), e.getMessage());
        assertEquals(0, stub.callCount(), "nothing is sent that the server would silently ignore");
        backend.close();
        open(endpoint("acceptsTopK=true")).generate(topK);
        assertEquals(40, stub.bodies().get(0).get("top_k").asInt());
    }

    @Test
    void serverErrorsAreRetriedUntilTheEndpointRecovers() {
        stub.then(CompletionStub.Fault.HTTP_500, CompletionStub.Fault.HTTP_503, CompletionStub.Fault.HTTP_500);
        List<GeneratedSample> got = open(endpoint("maxConcurrency=1")).generate(request(0, 2, false));
        assertHealthy(got, 0, 2, false);
        assertEquals(5, stub.callCount());
        assertEquals(3.0, registry.get("probeval.worker.http.retries").counter().count());
        assertEquals(
                3.0,
                registry.get("probeval.worker.http.requests")
                        .tag("outcome", "server_error")
                        .counter()
                        .count());
    }

    @Test
    void aRateLimitIsRetriedAfterItsRetryAfter() {
        stub.then(CompletionStub.Fault.RATE_LIMITED_1S);
        List<GeneratedSample> got =
                open(endpoint("maxConcurrency=1,maxRetryBackoff=2s")).generate(request(0, 1, false));
        assertHealthy(got, 0, 1, false);
        assertEquals(2, stub.callCount());
        assertEquals(
                1.0,
                registry.get("probeval.worker.http.requests")
                        .tag("outcome", "rate_limited")
                        .counter()
                        .count());
    }

    @Test
    void aRetryAfterLongerThanOneCallMayWaitHandsTheWaitToTheWorker() {
        stub.then(CompletionStub.Fault.RATE_LIMITED_LONG);
        EndpointUnavailableException e = assertThrows(
                EndpointUnavailableException.class,
                () -> open(endpoint("maxConcurrency=1")).generate(request(0, 1, false)));
        assertEquals(Duration.ofSeconds(3600), e.retryAfter());
        assertTrue(e.getMessage().contains(url()), e.getMessage());
        assertEquals(1, stub.callCount(), "no call before the server's Retry-After");
    }

    @Test
    void aHungConnectionTimesOutAndIsRetried() {
        stub.then(CompletionStub.Fault.HANG);
        List<GeneratedSample> got =
                open(endpoint("maxConcurrency=1,timeout=300ms")).generate(request(0, 1, false));
        assertHealthy(got, 0, 1, false);
        assertEquals(
                1.0,
                registry.get("probeval.worker.http.requests")
                        .tag("outcome", "timeout")
                        .counter()
                        .count());
    }

    @Test
    void aResponseCutInTheMiddleOrARefusedConnectionIsRetried() {
        stub.then(CompletionStub.Fault.CUT_BODY, CompletionStub.Fault.REFUSE_CONNECTION);
        List<GeneratedSample> got = open(endpoint("maxConcurrency=1")).generate(request(0, 2, false));
        assertHealthy(got, 0, 2, false);
        // The cut body surfaces as a connection error or, when the client hands over what arrived, as a truncated body.
        assertEquals(
                2.0,
                registry.get("probeval.worker.http.requests")
                                .tag("outcome", "connection_error")
                                .counter()
                                .count()
                        + registry.get("probeval.worker.http.requests")
                                .tag("outcome", "truncated")
                                .counter()
                                .count(),
                registry.getMetersAsString());
        assertEquals(2.0, registry.get("probeval.worker.http.retries").counter().count());
    }

    @Test
    void aMalformedBodyOnceIsRetriedAndOneThatStaysMalformedIsAClearErrorNamingTheEndpoint() {
        stub.then(CompletionStub.Fault.TRUNCATED_JSON);
        assertHealthy(open(endpoint("maxConcurrency=1")).generate(request(0, 1, false)), 0, 1, false);
        stub.then(
                CompletionStub.Fault.MALFORMED_JSON,
                CompletionStub.Fault.MALFORMED_JSON,
                CompletionStub.Fault.MALFORMED_JSON,
                CompletionStub.Fault.MALFORMED_JSON);
        EndpointResponseException e =
                assertThrows(EndpointResponseException.class, () -> backend.generate(request(0, 1, false)));
        assertTrue(e.getMessage().contains("endpoint " + url() + "/v1"), e.getMessage());
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void aBodyCutOffEveryTimeIsAnOutageNotAProtocolError() {
        stub.setDown(true);
        stub.downFault = CompletionStub.Fault.TRUNCATED_JSON;
        EndpointUnavailableException e = assertThrows(
                EndpointUnavailableException.class,
                () -> open(endpoint("maxConcurrency=1,retries=1")).generate(request(0, 1, false)));
        assertTrue(e.getMessage().contains("cut off"), e.getMessage());
    }

    @Test
    void aWrongChoiceCountIsMalformed() {
        server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
            @Override
            public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest r) {
                return new okhttp3.mockwebserver.MockResponse().setBody("{\"choices\":[]}");
            }
        });
        EndpointResponseException e = assertThrows(
                EndpointResponseException.class,
                () -> open(endpoint("retries=0")).generate(request(0, 1, false)));
        assertTrue(e.getMessage().contains("0 choices for n = 1"), e.getMessage());
    }

    @Test
    void aBadRequestIsNotRetriedAndQuotesTheServersMessage() {
        stub.then(CompletionStub.Fault.BAD_REQUEST);
        EndpointResponseException e = assertThrows(
                EndpointResponseException.class,
                () -> open(endpoint("maxConcurrency=1")).generate(request(0, 1, false)));
        assertTrue(e.getMessage().contains("HTTP 400: max_tokens is too large"), e.getMessage());
        assertTrue(e.getMessage().contains(url()), e.getMessage());
        assertEquals(1, stub.callCount());
    }

    @Test
    void anEndpointThatStaysDownFailsTheChunkAsUnavailable() {
        stub.down = true;
        EndpointUnavailableException e = assertThrows(
                EndpointUnavailableException.class,
                () -> open(endpoint("retries=2")).generate(request(0, 2, true)));
        assertTrue(e.getMessage().contains("after 3 attempt(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 503: upstream down"), e.getMessage());
    }

    @Test
    void atMostMaxConcurrencyCallsAreInFlight() {
        stub.answerDelayMs = 30;
        List<GeneratedSample> got = open(endpoint("maxConcurrency=3")).generate(request(0, 12, true));
        assertHealthy(got, 0, 12, true);
        assertTrue(stub.maxInFlight.get() <= 3, "max in flight " + stub.maxInFlight.get());
        assertTrue(stub.maxInFlight.get() >= 1);
    }

    @Test
    void theApiKeyGoesInTheHeaderOnlyNeverInLogsDescriptionsOrErrors() throws Exception {
        String secret = "sk-very-secret-123";
        ModelSpec spec = ModelCatalog.parseEntry(
                "m1=" + url() + ",apiKeyEnv=PROBEVAL_TEST_KEY,retries=1," + "retryBackoff=10ms,maxRetryBackoff=20ms",
                null);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        String messages;
        try {
            HttpBackend b = open(spec.endpoint());
            b.generate(request(0, 1, false));
            stub.down = true;
            EndpointUnavailableException down =
                    assertThrows(EndpointUnavailableException.class, () -> b.generate(request(1, 1, false)));
            stub.down = false;
            stub.then(CompletionStub.Fault.BAD_REQUEST);
            EndpointResponseException bad =
                    assertThrows(EndpointResponseException.class, () -> b.generate(request(2, 1, false)));
            messages = down + " " + bad + " " + b.describe() + " " + b + " " + spec + " " + spec.endpoint();
        } finally {
            System.setErr(err);
        }
        assertEquals("Bearer " + secret, stub.authorizations.get(0));
        assertTrue(messages.contains("PROBEVAL_TEST_KEY"), messages);
        assertFalse(messages.contains(secret), messages);
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains(secret));
        assertFalse(registry.getMeters().toString().contains(secret));
    }

    @Test
    void aMissingKeyVariableIsAClearErrorNamingTheVariable() {
        HttpEndpoint e = ModelCatalog.parseEntry("m1=" + url() + ",apiKeyEnv=PROBEVAL_UNSET_KEY", null)
                .endpoint();
        IllegalStateException ex = assertThrows(
                IllegalStateException.class, () -> HttpBackend.open("m1", e, Map.<String, String>of()::get, registry));
        assertTrue(ex.getMessage().contains("PROBEVAL_UNSET_KEY"), ex.getMessage());
    }

    @Test
    void backoffGrowsWithJitterAndIsCapped() {
        HttpBackend b = open(endpoint("retryBackoff=100ms,maxRetryBackoff=1s"));
        for (int k = 0; k < 8; k++) {
            long full = Math.min(1000, 100L << k);
            long d = b.backoff(k).toMillis();
            assertTrue(d >= full / 2 && d <= full, "attempt " + k + ": " + d);
        }
    }

    @Test
    void modelsFileEntriesParseWithDefaultsAndRejectBadOptions() {
        ModelSpec s = ModelCatalog.parseEntry(
                "qwen=http://vllm:8000/v1,model=qwen2.5,chat=true,maxConcurrency=16,"
                        + "timeout=120s,outageDeadline=15m,acceptsTopK=true",
                null);
        assertTrue(s.isHttp());
        assertNull(s.path());
        HttpEndpoint e = s.endpoint();
        assertEquals(URI.create("http://vllm:8000/v1"), e.baseUrl());
        assertEquals(URI.create("http://vllm:8000/v1/chat/completions"), e.callUri());
        assertEquals("qwen2.5", e.model());
        assertTrue(e.chat());
        assertEquals(16, e.maxConcurrency());
        assertEquals(Duration.ofSeconds(120), e.timeout());
        assertEquals(Duration.ofMinutes(15), e.outageDeadline());
        assertTrue(e.acceptsTopK());
        assertEquals(1, e.samplesPerCall());
        assertTrue(e.reproducible());
        HttpEndpoint d =
                ModelCatalog.parseEntry("v=https://api.example.com/", null).endpoint();
        assertEquals(URI.create("https://api.example.com/v1/completions"), d.callUri());
        assertEquals("v", d.model(), "the model name defaults to the version");
        assertNotNull(d.toString());
        for (String bad : List.of(
                "v=http://h:1,retries=-1",
                "v=http://h:1,chat=yes",
                "v=http://h:1,timeout=fast",
                "v=http://h:1,colour=blue",
                "v=http://user:pw@h:1",
                "v=http://h:1,maxConcurrency=0",
                "v=http://h:1,model=a,model=b",
                "v=http://h:1,apiKeyEnv=not a var")) {
            IllegalArgumentException ex =
                    assertThrows(IllegalArgumentException.class, () -> ModelCatalog.parseEntry(bad, null), bad);
            assertTrue(ex.getMessage().contains("model entry for v"), ex.getMessage());
            assertFalse(ex.getMessage().contains("pw@"), ex.getMessage());
        }
    }
}
