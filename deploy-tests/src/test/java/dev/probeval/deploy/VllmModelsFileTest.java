package dev.probeval.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import dev.probeval.worker.http.HttpEndpoint;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gpu profile's models file (docker/models/vllm-models.txt) parses with the worker's own reader and points the
 * HTTP sampler backend at the compose network's vllm service under the name vllm serves.
 */
class VllmModelsFileTest {
    @Test
    void theGpuProfilesModelsFileMapsAVersionOntoTheVllmService() throws Exception {
        List<ModelSpec> specs = ModelCatalog.readFile(DockerDir.path().resolve("models/vllm-models.txt"));
        assertEquals(1, specs.size(), specs.toString());
        ModelSpec s = specs.get(0);
        assertTrue(s.isHttp(), s.toString());
        HttpEndpoint e = s.endpoint();
        assertEquals(URI.create("http://vllm:8000/v1/completions"), e.callUri());
        String compose = java.nio.file.Files.readString(DockerDir.path().resolve("compose.yaml"));
        assertTrue(
                compose.contains("\"--served-model-name\", \"" + e.model() + "\""),
                "the model name is the one vllm serves: " + e.model());
        assertTrue(e.reproducible(), "one seeded call per sample");
        assertTrue(e.acceptsTopK());
        assertFalse(e.chat());
    }
}
