package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundsCommandTest {

    @TempDir
    Path tmp;

    private Path file(String content) throws IOException {
        Path f = tmp.resolve("scores.txt");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void shouldPrintEveryMetricWithConboConventionsInConboMode() throws IOException {
        // L10_mixed of the shared vectors: conbo M_mu at alpha 0.01 is 0.869803695333371 (paper-spec §7, C109).
        Path f = file("0.1 0.2 0.2 0.3\n0.35 0.5 0.6 0.8 0.9 1.0\n");
        CliResult r =
                CliResult.run("bounds", "--mode", "conbo", "--threshold", "0.5", "--threshold", "0.90", f.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode o = r.json().get(0);
        assertEquals(10, o.get("n").asLong());
        assertEquals("conbo", o.get("mode").asText());
        assertEquals(0.869803695333371, o.get("m_mu").asDouble(), 1e-12);
        assertTrue(o.get("m_gen").has("0.90"), "threshold key as given");
        assertEquals(5, o.get("k").asLong(), "k = #{score >= 0.5}");
        assertEquals(
                o.get("m_mu").asDouble() + o.get("m_sigma").asDouble(),
                o.get("m_ed").asDouble(),
                1e-12);
        for (String key : List.of(
                "mean",
                "std",
                "m_sigma",
                "m_sigma_lower",
                "m_mu_lower",
                "m_bin",
                "m_bin_lower",
                "leak_threshold",
                "alpha")) {
            assertTrue(o.has(key), key);
        }
    }

    @Test
    void shouldDefaultToSoundModeAndMatchTheLibrary() throws IOException {
        CliResult r = CliResult.run(
                "bounds",
                "--alpha",
                "0.05",
                "--leak-threshold",
                "0.3",
                file("0 0 0.3 1 0.25").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode o = r.json().get(0);
        BoundConfig cfg = BoundConfig.defaults().withAlpha(0.05).withLeakThreshold(0.3);
        var expected = Bounds.compute(ScoreAccumulator.of(0, 0, 0.3, 1, 0.25), cfg);
        assertEquals("sound", o.get("mode").asText());
        assertEquals(expected.mMu(), o.get("m_mu").asDouble(), 0.0);
        assertEquals(expected.mBin(), o.get("m_bin").asDouble(), 0.0);
        assertEquals(2, o.get("k").asLong());
    }

    @Test
    void shouldPrintOneObjectPerLineInPerLineMode() throws IOException {
        CliResult r = CliResult.run(
                "bounds",
                "--per-line",
                "--mode",
                "anytime",
                file("0 1 1\n\n0.5 0.5\n1\n").toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = r.json();
        assertEquals(3, out.size());
        assertEquals(
                List.of(3L, 2L, 1L), out.stream().map(n -> n.get("n").asLong()).toList());
        assertEquals("anytime", out.get(0).get("mode").asText());
    }

    @Test
    void shouldTraceEveryPrefixOrOnlyTheListedOnes() throws IOException {
        Path f = file("0.1 0.9 0.4 0.4 1 0");
        CliResult all = CliResult.run("bounds", "--trace", f.toString());
        assertEquals(0, all.code(), all.err());
        assertEquals(6, all.json().size());
        CliResult some = CliResult.run("bounds", "--trace=2,5", "--mode", "anytime", f.toString());
        assertEquals(0, some.code(), some.err());
        List<JsonNode> out = some.json();
        assertEquals(List.of(2L, 5L), out.stream().map(n -> n.get("n").asLong()).toList());
        double expected = Bounds.compute(
                        ScoreAccumulator.of(0.1, 0.9), BoundConfig.defaults().withMode(BoundMode.ANYTIME))
                .mMu();
        assertEquals(expected, out.get(0).get("m_mu").asDouble(), 0.0);
    }

    @Test
    void shouldExitTwoNamingTheBadTokenAndItsPosition() throws IOException {
        CliResult r = CliResult.run("bounds", file("0.1 0.2\n0.3 abc 0.5").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(
                r.err().contains("'abc'")
                        && r.err().contains("position 4")
                        && r.err().contains("line 2"),
                r.err());
        CliResult suffix = CliResult.run("bounds", file("0.1 0.5f").toString());
        assertEquals(2, suffix.code(), "Java-only number syntax is rejected");
        assertTrue(suffix.err().contains("'0.5f'") && suffix.err().contains("position 2"), suffix.err());
        CliResult out = CliResult.run("bounds", file("0.1 1.5").toString());
        assertEquals(2, out.code());
        assertTrue(out.err().contains("'1.5'") && out.err().contains("[0,1]"), out.err());
    }

    @Test
    void shouldExitTwoNamingTheBadLineInPerLineMode() throws IOException {
        CliResult r =
                CliResult.run("bounds", "--per-line", file("0.1 0.2\n0.3 NaN\n").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 2") && r.err().contains("NaN"), r.err());
        assertEquals("", r.out(), "nothing printed before the error");
    }

    @Test
    void shouldRejectBadOptionsAndEmptyInputWithExitTwo() throws IOException {
        Path f = file("0.5");
        assertEquals(2, CliResult.run("bounds", "--alpha", "0.7", f.toString()).code());
        assertEquals(2, CliResult.run("bounds", "--mode", "exact", f.toString()).code());
        assertEquals(
                2, CliResult.run("bounds", "--threshold", "2", f.toString()).code());
        assertEquals(2, CliResult.run("bounds", file("  \n").toString()).code());
        assertEquals(
                2,
                CliResult.run("bounds", tmp.resolve("missing.txt").toString()).code());
        CliResult r = CliResult.run("bounds", "--alpha", "0.7", f.toString());
        assertTrue(r.err().contains("0.7"), r.err());
    }
}
