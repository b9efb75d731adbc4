package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {
    @Test
    void shouldParseVersionPathAndOptionalTokenizer() {
        ModelCatalog c = ModelCatalog.parse(
                List.of("stories:260k=/m/stories260K.bin,tokenizer=/m/tok512.bin", "gpt/v2=/m/gpt-dir"));
        assertEquals(List.of("stories:260k", "gpt/v2"), c.versions());
        ModelSpec s = c.find("stories:260k").orElseThrow();
        assertEquals(Path.of("/m/stories260K.bin"), s.path());
        assertEquals(Path.of("/m/tok512.bin"), s.tokenizer());
        assertNull(c.find("gpt/v2").orElseThrow().tokenizer());
        assertTrue(c.find("unknown").isEmpty());
    }

    @Test
    void shouldRejectMalformedEntriesAndDuplicateVersions() {
        for (String bad : List.of("", "noequals", "=path", "v=", "v=p,tokenizer=", " = p")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ModelCatalog.parse(List.of(bad)), bad);
            assertTrue(e.getMessage().contains("VERSION=PATH") || e.getMessage().contains("tokenizer"), e.getMessage());
        }
        IllegalArgumentException dup =
                assertThrows(IllegalArgumentException.class, () -> ModelCatalog.parse(List.of("v=a", "v=b")));
        assertTrue(dup.getMessage().contains("'v'"));
    }

    @Test
    void modelsFileShouldSkipCommentsAndResolveRelativePathsAgainstItsDirectory(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("models.conf");
        Files.writeString(file, "# versions served here\n\nv1 = models/a.bin,tokenizer=models/tok.bin\nv2=/abs/b\n");
        List<ModelSpec> specs = ModelCatalog.readFile(file);
        assertEquals(2, specs.size());
        assertEquals(dir.toAbsolutePath().resolve("models/a.bin"), specs.get(0).path());
        assertEquals(
                dir.toAbsolutePath().resolve("models/tok.bin"), specs.get(0).tokenizer());
        assertEquals(Path.of("/abs/b"), specs.get(1).path());
        Files.writeString(file, "v1=a\nbroken line\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.readFile(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
