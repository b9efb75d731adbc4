package dev.probeval.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.EvalRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class ProducerLibraryTest {
    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_000_000L);
    private static final RequestTemplate T = RequestTemplate.builder()
            .suite("s")
            .split("forget")
            .numSamples(8)
            .alpha(0.05)
            .build();

    private static InputParser.Result parse(String text, InputFormat f) throws IOException {
        return InputParser.parse(new BufferedReader(new StringReader(text)), "in.jsonl", f);
    }

    private static MockProducer<String, EvalRequest> mock() {
        Serializer<EvalRequest> none = (topic, r) -> new byte[0];
        return new MockProducer<>(true, null, new StringSerializer(), none);
    }

    @Test
    void jsonLinesMapOntoTheContractFields() throws IOException {
        InputParser.Result r = parse("""
        # comment
        {"promptId":"q1","prompt":"Who?","references":["A","B"],"suite":"x","attributes":{"owner":"me"}}

        {"prompt":"Where?","reference":"Oslo","numSamples":4,"alpha":0.1}
        """, InputFormat.JSONL);
        assertEquals(List.of(), r.errors());
        assertEquals(2, r.lines().size());
        PromptLine a = r.lines().get(0);
        assertEquals(2, a.line());
        assertEquals("q1", a.promptId());
        assertEquals(List.of("A", "B"), a.references());
        EvalRequest ra = T.request("v1", a, NOW);
        assertEquals("x", ra.getSuite(), "the line's suite wins");
        assertEquals("forget", ra.getSplit());
        assertEquals("me", ra.getAttributes().get("owner"));
        PromptLine b = r.lines().get(1);
        assertEquals(4, b.line());
        assertEquals("4", b.promptId(), "without promptId the line number is the id");
        EvalRequest rb = T.request("v1", b, NOW);
        assertEquals(4, rb.getNumSamples());
        assertEquals(0.1, rb.getAlpha());
    }

    @Test
    void tofuLinesBecomeLabPrompts() throws IOException {
        InputParser.Result r = parse(
                "{\"split\":\"forget\",\"idx\":3,\"question\":\"[INST] Who is Ana? [/INST]\","
                        + "\"reference\":\"Ana is a poet.\"}\n{\"question\":\"Where?\",\"answer\":\"Oslo\"}\n",
                InputFormat.AUTO);
        assertEquals(List.of(), r.errors());
        PromptLine a = r.lines().get(0);
        assertEquals("Question: Who is Ana?\nAnswer: ", a.prompt());
        assertEquals("3", a.promptId());
        assertEquals("forget", a.split());
        assertEquals(List.of("Ana is a poet."), a.references());
        assertEquals("2", r.lines().get(1).promptId());
    }

    @Test
    void badLinesAreReportedWithTheirNumberAndField() throws IOException {
        InputParser.Result r = parse("""
        {"prompt":"ok","reference":"r"}
        not json
        {"prompt":"","reference":"r"}
        {"prompt":"p","references":"r"}
        {"prompt":"p","reference":"r","colour":"red"}
        {"question":"q"}
        """, InputFormat.AUTO);
        assertEquals(1, r.lines().size());
        assertEquals(
                List.of(2, 3, 4, 5, 6), r.errors().stream().map(LineError::line).toList());
        assertTrue(
                r.errors().get(0).toString().startsWith("in.jsonl:2: not valid JSON"),
                r.errors().get(0).toString());
        assertTrue(r.errors().get(1).message().contains("'prompt'"));
        assertTrue(r.errors().get(2).message().contains("'references'"));
        assertTrue(r.errors().get(3).message().contains("'colour'"));
        assertTrue(r.errors().get(4).message().contains("'answer'"));
    }

    @Test
    void requestIdIsDeterministicAndDependsOnEveryIdentifyingField() {
        PromptLine l = PromptLine.of("q1", "p", List.of("r"));
        String id = T.request("v1", l, NOW).getRequestId();
        assertEquals(id, T.request("v1", l, NOW.plusSeconds(60)).getRequestId(), "same fields, same id");
        assertNotEquals(id, T.request("v2", l, NOW).getRequestId());
        assertNotEquals(
                id, T.request("v1", PromptLine.of("q2", "p", List.of("r")), NOW).getRequestId());
        RequestTemplate.Builder b = RequestTemplate.builder()
                .suite("s")
                .split("forget")
                .numSamples(8)
                .alpha(0.05);
        assertEquals(id, b.build().request("v1", l, NOW).getRequestId());
        assertNotEquals(id, b.numSamples(9).build().request("v1", l, NOW).getRequestId());
        b.numSamples(8);
        assertNotEquals(id, b.alpha(0.01).build().request("v1", l, NOW).getRequestId());
        b.alpha(0.05);
        assertNotEquals(
                id, b.boundMode(BoundMode.ANYTIME).build().request("v1", l, NOW).getRequestId());
        b.boundMode(BoundMode.SOUND);
        assertNotEquals(id, b.topP(0.9).build().request("v1", l, NOW).getRequestId());
        b.topP(1.0);
        assertNotEquals(id, b.suite("t").build().request("v1", l, NOW).getRequestId());
        assertEquals("given", T.request("v1", l.withRequestId("given"), NOW).getRequestId());
    }

    @Test
    void invalidRequestsAreRejectedByLineBeforeAnythingIsSent() throws IOException {
        InputParser.Result parsed = parse("""
        {"prompt":"p","reference":"r"}
        {"prompt":"p","reference":"r","alpha":0.9}
        {"prompt":"p"}
        """, InputFormat.JSONL);
        Submission s = Submission.prepare("in.jsonl", parsed, List.of("v1", "v2"), T, new ContractRequestCheck(), NOW);
        assertEquals(List.of(2, 3), s.errors().stream().map(LineError::line).toList());
        assertTrue(
                s.errors().get(0).message().contains("alpha 0.9"),
                s.errors().get(0).message());
        assertTrue(
                s.errors().get(1).message().contains("references"),
                s.errors().get(1).message());
        assertEquals(2, s.requests().size(), "line 1 on both versions");
        assertEquals(2, s.invalidLines());
    }

    @Test
    void withoutAModelVersionTheLineIsInvalid() throws IOException {
        Submission s = Submission.prepare(
                "in",
                parse("{\"prompt\":\"p\",\"reference\":\"r\"}", InputFormat.JSONL),
                List.of(),
                T,
                new ContractRequestCheck(),
                NOW);
        assertEquals(1, s.errors().size());
        assertTrue(s.errors().get(0).message().contains("modelVersion"));
    }

    @Test
    void publisherSendsEveryRequestKeyedByIdAndResubmittingGivesTheSameKeys() throws IOException {
        InputParser.Result parsed = parse(
                "{\"prompt\":\"a\",\"reference\":\"r\"}\n{\"prompt\":\"b\",\"reference\":\"r\"}", InputFormat.JSONL);
        MockProducer<String, EvalRequest> mock = mock();
        try (EvalRequestPublisher p = new EvalRequestPublisher(mock, "topic")) {
            Submission s1 = Submission.prepare("in", parsed, List.of("v1"), T, new ContractRequestCheck(), NOW);
            List<String> ids = p.publish(s1.requests());
            assertEquals(2, mock.history().size());
            assertEquals(ids, mock.history().stream().map(r -> r.key()).toList());
            mock.history().forEach(r -> assertEquals(r.key(), r.value().getRequestId()));
            Submission s2 =
                    Submission.prepare("in", parsed, List.of("v1"), T, new ContractRequestCheck(), NOW.plusSeconds(5));
            assertEquals(ids, p.publish(s2.requests()), "re-submission reuses the ids");
        }
    }

    @Test
    void aFailedSendIsReportedWithItsRequest() {
        MockProducer<String, EvalRequest> mock =
                new MockProducer<>(false, null, new StringSerializer(), (topic, r) -> new byte[0]) {
                    @Override
                    public synchronized void flush() {
                        errorNext(new RuntimeException("broker says no"));
                    }
                };
        EvalRequest r = T.request("v1", PromptLine.of("q", "p", List.of("r")), NOW);
        try (EvalRequestPublisher p = new EvalRequestPublisher(mock, "topic")) {
            EvalRequestPublisher.PublishException e =
                    assertThrows(EvalRequestPublisher.PublishException.class, () -> p.publish(List.of(r)));
            assertTrue(
                    e.getMessage().contains(r.getRequestId()) && e.getMessage().contains("broker says no"),
                    e.getMessage());
        }
    }
}
