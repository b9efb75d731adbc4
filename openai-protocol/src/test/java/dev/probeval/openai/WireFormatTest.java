package dev.probeval.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The records write exactly what OpenAI's clients parse, byte for byte, and read as a server and a client need. */
class WireFormatTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static String write(Object o) throws Exception {
        return JSON.writeValueAsString(o);
    }

    static JsonNode tree(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void aCompletionAndItsStreamChunksHaveOpenAisFieldsInOrder() throws Exception {
        var lp = new CompletionResponse.Logprobs(
                List.of("a", ""), List.of(-0.5, -1.0), List.of(0, 1), List.of(Map.of("a", -0.5), Map.of("", -1.0)));
        var response = CompletionResponse.of(
                "cmpl-1",
                7,
                "m",
                List.of(
                        new CompletionResponse.Choice(0, "a", lp, Finish.STOP, Finish.stopReason(null)),
                        new CompletionResponse.Choice(1, "b", null, Finish.STOP, Finish.stopReason("\n"))),
                Usage.of(3, 4),
                11L);
        assertEquals(
                "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":7,\"model\":\"m\",\"choices\":["
                        + "{\"index\":0,\"text\":\"a\",\"logprobs\":{\"tokens\":[\"a\",\"\"],\"token_logprobs\":[-0.5,-1.0],"
                        + "\"text_offset\":[0,1],\"top_logprobs\":[{\"a\":-0.5},{\"\":-1.0}]},\"finish_reason\":\"stop\","
                        + "\"stop_reason\":null},{\"index\":1,\"text\":\"b\",\"logprobs\":null,\"finish_reason\":\"stop\","
                        + "\"stop_reason\":\"\\n\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7},"
                        + "\"seed\":11}",
                write(response));
        assertEquals(
                "{\"id\":\"c\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":2,"
                        + "\"text\":\"xy\",\"logprobs\":null,\"finish_reason\":null}]}",
                write(CompletionResponse.of(
                        "c", 1, "m", List.of(CompletionResponse.Choice.piece(2, "xy")), null, null)));
        assertEquals(
                "{\"id\":\"c\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}",
                write(CompletionResponse.of("c", 1, "m", List.of(), Usage.of(1, 2), null)));
        var noTop = new CompletionResponse.Logprobs(List.of("a"), List.of(-0.5), List.of(0), null);
        assertTrue(write(noTop).endsWith("\"top_logprobs\":null}"));
    }

    @Test
    void aChatCompletionAndItsChunksHaveOpenAisFieldsInOrder() throws Exception {
        var tok = new ChatLogprobs.TokenLogprob(
                "é",
                -0.25,
                ChatLogprobs.bytes("é"),
                List.of(new ChatLogprobs.TopLogprob("é", -0.25, ChatLogprobs.bytes("é"))));
        var response = ChatCompletionResponse.of(
                "chatcmpl-1",
                7,
                "m",
                List.of(new ChatCompletionResponse.Choice(
                        0,
                        new ChatMessage(ChatMessage.ASSISTANT, "é"),
                        new ChatLogprobs(List.of(tok), null),
                        Finish.LENGTH,
                        Finish.stopReason(null))),
                Usage.of(1, 1),
                5L);
        assertEquals(
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"m\",\"choices\":["
                        + "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"é\"},\"logprobs\":{\"content\":[{\"token\":"
                        + "\"é\",\"logprob\":-0.25,\"bytes\":[195,169],\"top_logprobs\":[{\"token\":\"é\",\"logprob\":-0.25,\"bytes\":"
                        + "[195,169]}]}],\"refusal\":null},\"finish_reason\":\"length\",\"stop_reason\":null}],\"usage\":{"
                        + "\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2},\"seed\":5}",
                write(response));
        String head = "{\"id\":\"k\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[";
        assertEquals(
                head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                        + "\"finish_reason\":null}]}",
                write(ChatCompletionChunk.of(
                        "k",
                        1,
                        "m",
                        List.of(new ChatCompletionChunk.Choice(
                                0, new ChatCompletionChunk.Delta(ChatMessage.ASSISTANT, ""), null, null, null)),
                        null)));
        assertEquals(
                head + "{\"index\":1,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":"
                        + "\"x\"}]}",
                write(ChatCompletionChunk.of(
                        "k",
                        1,
                        "m",
                        List.of(new ChatCompletionChunk.Choice(
                                1,
                                new ChatCompletionChunk.Delta(null, null),
                                null,
                                Finish.STOP,
                                Finish.stopReason("x"))),
                        null)));
    }

    @Test
    void errorsAndModelsHaveOpenAisFieldsInOrder() throws Exception {
        assertEquals(
                "{\"error\":{\"message\":\"no\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
                write(ErrorResponse.of("no", ErrorResponse.INVALID_REQUEST, null, null)));
        assertEquals(
                "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\",\"created\":3,\"owned_by\":"
                        + "\"probeval\",\"max_model_len\":512}]}",
                write(ModelList.of(List.of(ModelList.Model.of("m", 3, "probeval", 512)))));
    }

    @Test
    void aClientsRequestLeavesOutWhatItDoesNotSet() throws Exception {
        assertEquals(
                "{\"model\":\"m\",\"prompt\":\"p\",\"n\":1,\"temperature\":0.0,\"top_p\":1.0,\"max_tokens\":8,"
                        + "\"seed\":-3,\"logprobs\":0,\"stream\":false}",
                write(CompletionRequest.of("m", "p", 1, 0.0, 1.0, null, 8, null, -3L, 0, false)));
        assertEquals(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"p\"}],\"n\":2,\"temperature\":0.7,"
                        + "\"top_p\":0.9,\"top_k\":5,\"max_tokens\":8,\"stop\":[\"\\n\"],\"seed\":1,\"logprobs\":true,"
                        + "\"stream\":false}",
                write(ChatCompletionRequest.of(
                        "m", List.of(ChatMessage.user("p")), 2, 0.7, 0.9, 5, 8, List.of("\n"), 1L, true, false)));
        var back = CompletionRequest.fromJson(
                tree(write(CompletionRequest.of("m", "p", 1, 0.5, 1.0, 3, 8, List.of("a"), 9L, 2, true))));
        assertEquals(CompletionRequest.of("m", "p", 1, 0.5, 1.0, 3, 8, List.of("a"), 9L, 2, true), back);
    }

    static ProtocolException refused(String body, boolean chat) {
        return assertThrows(ProtocolException.class, () -> {
            if (chat) {
                ChatCompletionRequest.fromJson(tree(body));
            } else {
                CompletionRequest.fromJson(tree(body));
            }
        });
    }

    @Test
    void aServerReadsRequestsStrictlyNamingTheField() throws Exception {
        assertNull(refused("[1]", false).param());
        assertEquals(
                "the request body must be a JSON object", refused("[1]", false).getMessage());
        assertEquals("prompt is required", refused("{}", false).getMessage());
        assertEquals("prompt", refused("{\"prompt\":[\"a\",\"b\"]}", false).param());
        assertEquals(
                "a", CompletionRequest.fromJson(tree("{\"prompt\":[\"a\"]}")).prompt());
        assertEquals(
                "n must be an integer, got 1.5",
                refused("{\"prompt\":\"a\",\"n\":1.5}", false).getMessage());
        assertEquals(
                "seed must be a 64-bit integer, got \"x\"",
                refused("{\"prompt\":\"a\",\"seed\":\"x\"}", false).getMessage());
        assertEquals(
                "stream must be true or false, got \"yes\"",
                refused("{\"prompt\":\"a\",\"stream\":\"yes\"}", false).getMessage());
        assertEquals("stop", refused("{\"prompt\":\"a\",\"stop\":[3]}", false).param());
        assertEquals(
                "model must be a string",
                refused("{\"prompt\":\"a\",\"model\":7}", false).getMessage());
        assertEquals(
                "stream_options",
                refused("{\"prompt\":\"a\",\"stream_options\":5}", false).param());
        assertEquals(
                "logit_bias",
                refused("{\"prompt\":\"a\",\"logit_bias\":{\"1\":\"x\"}}", false)
                        .param());
        assertEquals(
                List.of("a"),
                CompletionRequest.fromJson(tree("{\"prompt\":\"a\",\"stop\":\"a\"}"))
                        .stop());
        assertEquals("messages", refused("{\"messages\":[]}", true).param());
        assertEquals(
                "messages[1]",
                refused(
                                "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}",
                                true)
                        .param());
        assertEquals(
                "top_logprobs",
                refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]," + "\"top_logprobs\":\"2\"}", true)
                        .param());
        var chat = ChatCompletionRequest.fromJson(tree("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],"
                + "\"max_completion_tokens\":4,\"logprobs\":true,\"top_logprobs\":2,\"unknown\":1}"));
        assertEquals(List.of(ChatMessage.user("a")), chat.messages());
        assertEquals(4, chat.maxCompletionTokens());
        assertEquals(2, chat.topLogprobs());
        assertNull(chat.n());
    }

    @Test
    void aClientReadsResponsesLeniently() throws Exception {
        var r = CompletionResponse.fromJson(tree("{\"choices\":[{\"index\":\"0\",\"text\":5,\"logprobs\":{"
                + "\"token_logprobs\":[null,-1]}},{\"index\":1,\"text\":\"t\",\"finish_reason\":\"stop\",\"stop_reason\":"
                + "128001}],\"usage\":{\"completion_tokens\":\"12\"}}"));
        assertNull(r.choices().get(0).index());
        assertNull(r.choices().get(0).text());
        assertNull(r.choices().get(0).finishReason());
        assertNull(r.choices().get(0).stopReason(), "absent");
        assertTrue(Double.isNaN(r.choices().get(0).logprobs().tokenLogprobs().get(0)));
        assertEquals(-1.0, r.choices().get(0).logprobs().tokenLogprobs().get(1));
        assertTrue(r.choices().get(1).stopReason().isInt(), "vLLM's stop token id is kept as sent");
        assertEquals(12, r.usage().completionTokens());
        assertEquals(-1, r.usage().promptTokens());
        assertNull(r.seed());
        assertNull(CompletionResponse.fromJson(tree("{\"choices\":{}}")).choices());
        assertNull(CompletionResponse.fromJson(tree("[]")));
        var chat = ChatCompletionResponse.fromJson(tree("{\"choices\":[{\"message\":{\"role\":\"assistant\"},"
                + "\"logprobs\":{\"content\":[{\"logprob\":-0.5},{}]},\"stop_reason\":null}],\"usage\":5}"));
        assertNull(chat.choices().get(0).message().content());
        assertTrue(chat.choices().get(0).stopReason().isNull(), "JSON null is told apart from absent");
        assertTrue(
                Double.isNaN(chat.choices().get(0).logprobs().content().get(1).logprob()));
        assertNull(chat.usage());
        assertEquals(
                "slow down",
                ErrorResponse.fromJson(tree("{\"error\":{\"message\":\"slow down\",\"code\":429}}"))
                        .error()
                        .message());
        assertNull(ErrorResponse.fromJson(tree("{\"error\":\"plain\"}")), "the aggregator's shape is not OpenAI's");
    }
}
