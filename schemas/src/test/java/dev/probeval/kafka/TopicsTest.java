package dev.probeval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.probeval.avro.DeadLetter;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.avro.ScoredSample;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {
    @Test
    void shouldNameTheFiveVersionedTopicsWithTheirValueTypes() {
        assertEquals(
                List.of(
                        "probeval.eval-requests.v1",
                        "probeval.samples.v1",
                        "probeval.prompt-bounds.v1",
                        "probeval.model-bounds.v1",
                        "probeval.dead-letters.v1"),
                Topics.ALL.stream().map(Topic::name).collect(Collectors.toList()));
        assertEquals(
                List.of(
                        EvalRequest.class,
                        ScoredSample.class,
                        PromptBounds.class,
                        ModelVersionBounds.class,
                        DeadLetter.class),
                Topics.ALL.stream().map(Topic::valueType).collect(Collectors.toList()));
        assertEquals("probeval.samples.v1-value", Topics.SAMPLES.valueSubject());
    }

    @Test
    void shouldUsePlainStringKeys() {
        byte[] k = Topics.SAMPLES.keySerde().serializer().serialize("t", "req-1");
        assertEquals("req-1", new String(k, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("req-1", Topics.EVAL_REQUESTS.keySerde().deserializer().deserialize("t", k));
    }

    @Test
    void shouldCompactTablesAndKeepStreamsTimeRetained() {
        NewTopic requests = Topics.EVAL_REQUESTS.newTopic(Optional.of(6), Optional.of((short) 3));
        assertEquals(6, requests.numPartitions());
        assertEquals(3, requests.replicationFactor());
        assertEquals("compact", requests.configs().get("cleanup.policy"));
        assertEquals("compact", Topics.PROMPT_BOUNDS.configs().get("cleanup.policy"));
        assertEquals("compact", Topics.MODEL_BOUNDS.configs().get("cleanup.policy"));
        assertEquals(null, Topics.SAMPLES.configs().get("cleanup.policy"));
        assertEquals(null, Topics.DEAD_LETTERS.configs().get("cleanup.policy"));
    }

    @Test
    void shouldBuildUnambiguousOutputKeys() {
        assertEquals("org/llama:7b|tofu|forget", Topics.modelBoundsKey("org/llama:7b", "tofu", "forget"));
        assertEquals("probeval.samples.v1/2/17", Topics.deadLetterKey("probeval.samples.v1", 2, 17));
    }
}
