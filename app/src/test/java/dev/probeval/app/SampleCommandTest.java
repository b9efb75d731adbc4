package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.testsupport.SharedDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCommandTest {
    @TempDir
    Path tmp;

    static Path shared(String rel) {
        return SharedDir.require(rel);
    }

    @Test
    void shouldPrintTheGreedyBaselineThenOneJsonLinePerSample() throws Exception {
        CliResult r = CliResult.run(
                "sample",
                "--model",
                shared("models/stories260K/stories260K.bin").toString(),
                "--tokenizer",
                shared("models/stories260K/tok512.bin").toString(),
                "--prompt",
                "Tim and his dog",
                "-n",
                "3",
                "--top-p",
                "0.9",
                "--max-new-tokens",
                "20",
                "--seed",
                "5");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = r.json();
        assertEquals(4, lines.size());
        assertEquals("GREEDY", lines.get(0).get("kind").asText());
        assertEquals(-1, lines.get(0).get("index").asInt());
        assertTrue(lines.get(0).get("text").asText().startsWith(", Max, went to the park"));
        for (int i = 1; i < 4; i++) {
            JsonNode l = lines.get(i);
            assertEquals(i - 1, l.get("index").asInt());
            assertEquals("SAMPLED", l.get("kind").asText());
            assertTrue(l.get("tokens").asInt() >= 1 && l.get("tokens").asInt() <= 20);
            assertTrue(List.of("EOS", "LENGTH", "STOP").contains(l.get("finish").asText()));
            assertTrue(l.get("logprob").asDouble() <= 0);
            assertTrue(l.get("adaptive") == null);
        }
        // Same seed, same output.
        assertEquals(
                r.out(),
                CliResult.run(
                                "sample",
                                "--model",
                                shared("models/stories260K/stories260K.bin").toString(),
                                "--tokenizer",
                                shared("models/stories260K/tok512.bin").toString(),
                                "--prompt",
                                "Tim and his dog",
                                "-n",
                                "3",
                                "--top-p",
                                "0.9",
                                "--max-new-tokens",
                                "20",
                                "--seed",
                                "5")
                        .out());
    }

    @Test
    void greedyFlagShouldPrintOnlyTheBaselineAndAdaptiveStatsShouldBeReported() throws Exception {
        CliResult g = CliResult.run(
                "sample",
                "--model",
                shared("models/stories260K/stories260K.bin").toString(),
                "--tokenizer",
                shared("models/stories260K/tok512.bin").toString(),
                "--prompt",
                "Mom said",
                "--greedy",
                "--max-new-tokens",
                "8");
        assertEquals(0, g.code(), g.err());
        assertEquals(1, g.json().size());
        assertEquals("GREEDY", g.json().get(0).get("kind").asText());
        CliResult a = CliResult.run(
                "sample",
                "--model",
                shared("models/stories260K/stories260K.bin").toString(),
                "--tokenizer",
                shared("models/stories260K/tok512.bin").toString(),
                "--prompt",
                "Mom said",
                "-n",
                "2",
                "--adaptive-temperature",
                "0.9",
                "--max-new-tokens",
                "8");
        assertEquals(0, a.code(), a.err());
        JsonNode ad = a.json().get(1).get("adaptive");
        assertEquals(0.9, ad.get("threshold").asDouble());
        assertEquals("RUNNING_MEAN", ad.get("statistic").asText());
        assertEquals(
                a.json().get(1).get("tokens").asInt(),
                ad.get("greedySteps").asInt() + ad.get("sampledSteps").asInt());
    }

    @Test
    void badInputShouldExitTwoWithOneLineNamingTheProblemBeforeTheModelIsOpened() throws Exception {
        // Placeholder files: every check below happens before the model is read.
        Path bin = Files.writeString(tmp.resolve("m.bin"), "x");
        String tok = Files.writeString(tmp.resolve("tok.bin"), "x").toString();
        String m = bin.toString();
        Path gpt = Files.createDirectory(tmp.resolve("gpt"));
        Files.writeString(gpt.resolve("manifest.json"), "{}");
        String[][] cases = {
            {"--model /no/such/model.bin: not found", "--model", "/no/such/model.bin", "--prompt", "x"},
            {"--tokenizer /no/such/tok.bin: not found", "--model", m, "--tokenizer", "/no/such/tok.bin", "--prompt", "x"
            },
            {"--num-samples must be >= 1, got 0", "--model", m, "--tokenizer", tok, "--prompt", "x", "-n", "0"},
            {"--engine: unknown engine", "--model", m, "--tokenizer", tok, "--prompt", "x", "--engine", "nope"},
            // A hostile engine name is quoted clipped, not echoed whole.
            {
                "(expected java or djl)",
                "--model",
                m,
                "--tokenizer",
                tok,
                "--prompt",
                "x",
                "--engine",
                "e".repeat(100_000)
            },
            {"top-p must lie in (0, 1], got 0.0", "--model", m, "--tokenizer", tok, "--prompt", "x", "--top-p", "0"},
            {"top-p must lie in (0, 1], got 1.5", "--model", m, "--tokenizer", tok, "--prompt", "x", "--top-p", "1.5"},
            {
                "temperature must be >= 0, got -0.1",
                "--model",
                m,
                "--tokenizer",
                tok,
                "--prompt",
                "x",
                "--temperature",
                "-0.1"
            },
            {
                "--adaptive-threshold: adaptive-temperature threshold must lie in [0, 1], got 1.5",
                "--model",
                m,
                "--tokenizer",
                tok,
                "--prompt",
                "x",
                "--adaptive-temperature",
                "1.5"
            },
            {
                "--model " + m + ": missing the llama2.c checkpoint's vocabulary: no tokenizer.bin beside it and no "
                        + "tokenizer given",
                "--model",
                m,
                "--prompt",
                "x"
            },
            {
                "--model " + gpt + ": a small-GPT directory carries its tokenizer; give none",
                "--model",
                gpt.toString(),
                "--tokenizer",
                tok,
                "--prompt",
                "x"
            },
        };
        for (String[] c : cases) {
            String[] args = new String[c.length];
            args[0] = "sample";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            CliResult r = CliResult.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertTrue(r.errLine().startsWith("probeval sample: "), r.err());
            assertTrue(r.errLine().contains(c[0]), "expected '" + c[0] + "' in: " + r.err());
            assertTrue(
                    r.errLine().length() < 2_000,
                    "one short line: " + r.errLine().length() + " chars");
        }
    }
}
