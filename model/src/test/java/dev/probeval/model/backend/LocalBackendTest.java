package dev.probeval.model.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.core.ids.SampleIds;
import dev.probeval.model.Stories260K;
import dev.probeval.model.sampling.DecodingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBackendTest {
    static final DecodingParams NUCLEUS = DecodingParams.builder()
            .optTemperature(1.0)
            .optTopP(0.9)
            .optMaxNewTokens(24)
            .build();

    @Test
    void chunkedRequestsShouldReproduceTheWholeRequest() throws IOException {
        try (SamplingBackend b = Models.openBackend(Stories260K.checkpoint(), Stories260K.tokenizer())) {
            List<GeneratedSample> whole = b.generate(GenerationRequest.of("req-1", "Mom said", 6, NUCLEUS, 9, true));
            assertEquals(7, whole.size());
            assertEquals(GeneratedSample.Kind.GREEDY, whole.get(0).kind());
            assertEquals(SampleIds.sampleId("req-1", -1), whole.get(0).sampleId());
            List<GeneratedSample> chunk =
                    b.generate(new GenerationRequest("req-1", "Mom said", 3, 3, NUCLEUS, 9, false));
            for (int i = 0; i < 3; i++) {
                GeneratedSample a = whole.get(4 + i);
                GeneratedSample c = chunk.get(i);
                assertEquals(3 + i, c.index());
                assertEquals(SampleIds.sampleId("req-1", 3 + i), c.sampleId());
                assertEquals(a.text(), c.text());
                assertEquals(a.seed(), c.seed());
                assertEquals(a.tokens(), c.tokens());
            }
            assertTrue(b.describe().contains("llama2.c"));
        }
    }

    @Test
    void openingShouldNameTheMissingFile(@TempDir Path dir) {
        ModelLocation.Problem e =
                assertThrows(ModelLocation.Problem.class, () -> Models.open(dir.resolve("nope.bin"), null));
        assertEquals(dir.resolve("nope.bin") + ": not found", e.getMessage());
        assertEquals(ModelLocation.Part.MODEL, e.part());
        assertThrows(ModelLocation.Problem.class, () -> Models.open(dir, null));
        assertThrows(IllegalArgumentException.class, () -> new GenerationRequest("r", "p", 0, 0, NUCLEUS, 1, false));
        Path checkpoint =
                Stories260K.checkpoint(); // last and outside assertThrows: skips, not fails, without ../shared
        ModelLocation.Problem t =
                assertThrows(ModelLocation.Problem.class, () -> Models.open(checkpoint, dir.resolve("tok.bin")));
        assertEquals(ModelLocation.Part.TOKENIZER, t.part());
        assertTrue(t.getMessage().contains("tok.bin"));
    }
}
