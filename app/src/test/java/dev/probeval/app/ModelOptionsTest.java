package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.probeval.model.backend.ModelLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one model-location rule set, and its one-line errors naming the path and what is missing. */
class ModelOptionsTest {
    @TempDir
    Path tmp;

    private String error(Path model, Path tokenizer) {
        return assertThrows(
                        UsageException.class, () -> ModelOptions.resolve(model, tokenizer, "--model", "--tokenizer"))
                .getMessage();
    }

    @Test
    void shouldResolveEachKindOfLocation() throws IOException {
        Path gpt = Files.createDirectory(tmp.resolve("gpt"));
        Files.writeString(gpt.resolve("manifest.json"), "{}");
        ModelLocation g = ModelOptions.resolve(gpt, null, "--model", "--tokenizer");
        assertEquals(gpt, g.checkpoint());
        assertNull(g.tokenizer());
        assertEquals("gpt", g.defaultName());

        Path llama = Files.createDirectory(tmp.resolve("llama"));
        Path bin = Files.writeString(llama.resolve("stories.bin"), "x");
        Path tok = Files.writeString(llama.resolve("tok512.bin"), "x");
        ModelLocation d = ModelOptions.resolve(llama, null, "--model", "--tokenizer");
        assertEquals(new ModelLocation(bin, tok, "llama"), d);
        Path beside = Files.writeString(llama.resolve("tokenizer.bin"), "x");
        assertEquals(
                new ModelLocation(bin, beside, "stories"), ModelOptions.resolve(bin, null, "--model", "--tokenizer"));
        assertEquals(new ModelLocation(bin, tok, "stories"), ModelOptions.resolve(bin, tok, "--model", "--tokenizer"));
        assertEquals(
                beside,
                ModelOptions.resolve(llama, null, "--model", "--tokenizer").tokenizer());
    }

    @Test
    void everyProblemShouldBeOneLineNamingThePathAndWhatIsMissing() throws IOException {
        Path nope = tmp.resolve("nope.bin");
        assertEquals("--model " + nope + ": not found", error(nope, null));
        Path bin = Files.writeString(tmp.resolve("m.bin"), "x");
        assertEquals("--tokenizer " + nope + ": not found", error(bin, nope));
        assertEquals(
                "--model " + bin + ": missing the llama2.c checkpoint's vocabulary: no tokenizer.bin beside it and "
                        + "no tokenizer given",
                error(bin, null));

        Path gpt = Files.createDirectory(tmp.resolve("gpt"));
        Files.writeString(gpt.resolve("manifest.json"), "{}");
        assertEquals("--model " + gpt + ": a small-GPT directory carries its tokenizer; give none", error(gpt, bin));

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertEquals(
                "--model " + empty + ": no manifest.json and 0 llama2.c checkpoints (.bin) in it; need the manifest "
                        + "or exactly one checkpoint",
                error(empty, null));
        Path two = Files.createDirectory(tmp.resolve("two"));
        Files.writeString(two.resolve("a.bin"), "x");
        Files.writeString(two.resolve("tok1.bin"), "x");
        Files.writeString(two.resolve("tok2.bin"), "x");
        assertEquals(
                "--model " + two + ": missing the checkpoint's vocabulary: 2 tok*.bin files in it and no tokenizer "
                        + "given",
                error(two, null));
        assertEquals(
                "model v1 at " + nope + ": not found",
                assertThrows(
                                UsageException.class,
                                () -> ModelOptions.resolve(nope, null, "model v1 at", "model v1 tokenizer"))
                        .getMessage());
    }
}
