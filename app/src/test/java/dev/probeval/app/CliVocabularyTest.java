package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** One spelling per concept, the old ones kept as aliases (scripts and environment variables keep working). */
class CliVocabularyTest {
    @TempDir
    Path tmp;

    /** The value {@code name} of the last subcommand holds after parsing {@code args} with {@code env}. */
    private static Object value(Map<String, String> env, String name, String... args) {
        ParseResult r =
                ProbevalCli.commandLine(CommandLine.defaultFactory(), env).parseArgs(args);
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        return r.commandSpec().findOption(name).getValue();
    }

    private static Object value(String name, String... args) {
        return value(Map.of(), name, args);
    }

    @Test
    void oldSpellingsShouldBeAliasesOfTheNewOnes() {
        assertEquals(9001, value("--port", "aggregate", "--http-port", "9001"));
        assertEquals(9001, value("--port", "aggregate", "--port", "9001"));
        assertEquals("0.0.0.0", value("--host", "aggregate", "--http-host", "0.0.0.0"));
        assertEquals(9002, value("--port", "serve", "--model", "m", "--http-port", "9002"));
        assertEquals("0.0.0.0", value("--host", "registry", "--http-host", "0.0.0.0"));
        assertEquals(9003, value("--port", "demo", "--http-port", "9003"));
        assertEquals(List.of("base", "ga-s5"), value("--model-version", "demo", "--versions", "base,ga-s5"));
        assertEquals(List.of("base"), value("--model-version", "evaluate-offline", "--model", "base"));
        assertEquals(
                Path.of("lab.json"),
                value("--lab-config", "evaluate-offline", "--model", "base", "--config", "lab.json"));
        assertEquals(Path.of("lab.json"), value("--lab-config", "lab", "train", "--config", "lab.json"));
        assertEquals(Path.of("lab.json"), value("--lab-config", "demo", "--lab-config", "lab.json"));
        assertEquals(2.0, value("--ed-lambda", "bounds", "--lambda", "2"));
        assertEquals(2.0, value("--ed-lambda", "aggregate", "--ed-lambda", "2"));
    }

    @Test
    void eachCommandShouldShowItsOwnListenDefaults() {
        assertEquals(8090, value("--port", "aggregate"));
        assertEquals(8081, value("--port", "registry"));
        assertEquals(8000, value("--port", "serve", "--model", "m"));
    }

    @Test
    void environmentVariablesOfEverySpellingShouldStillSetTheOption() {
        assertEquals(9010, value(Map.of("PROBEVAL_SERVE_PORT", "9010"), "--port", "serve", "--model", "m"));
        assertEquals(9011, value(Map.of("PROBEVAL_SERVE_HTTP_PORT", "9011"), "--port", "serve", "--model", "m"));
        assertEquals(9012, value(Map.of("PROBEVAL_AGGREGATE_HTTP_PORT", "9012"), "--port", "aggregate"));
        assertEquals(
                9013,
                value(Map.of("PROBEVAL_AGGREGATE_PORT", "9013", "PROBEVAL_HTTP_PORT", "1"), "--port", "aggregate"));
        assertEquals(3.0, value(Map.of("PROBEVAL_BOUNDS_LAMBDA", "3"), "--ed-lambda", "bounds"));
    }

    @Test
    void adaptiveTemperatureShouldBeAFlagWithItsThresholdApartOrAttached() {
        String[] base = {"sample", "--model", "m", "--prompt", "x"};
        assertEquals(false, value("--adaptive-temperature", base));
        assertEquals(0.9, value("--adaptive-threshold", base));
        for (String[] extra : List.of(
                new String[] {"--adaptive-temperature", "0.7"},
                new String[] {"--adaptive-temperature=0.7"},
                new String[] {"--adaptive-temperature", "--adaptive-threshold", "0.7"})) {
            String[] args = concat(base, extra);
            assertEquals(true, value("--adaptive-temperature", args), String.join(" ", extra));
            assertEquals(0.7, value("--adaptive-threshold", args), String.join(" ", extra));
        }
        // In produce a file after the flag stays a file.
        String[] produce = {"produce", "--adaptive-temperature", "suite.jsonl"};
        assertEquals(true, value("--adaptive-temperature", produce));
        assertEquals(0.9, value("--adaptive-threshold", produce));
    }

    @Test
    void evaluateOfflineShouldReadTheAdaptiveFlagAsItsDecodingAndRefuseAContradiction() throws Exception {
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        CliResult r = CliResult.run(
                "evaluate-offline",
                "--model-version",
                "base",
                "--cache-dir",
                cache.toString(),
                "--adaptive-temperature",
                "--decoding",
                "plain");
        assertEquals(2, r.code(), r.err());
        assertEquals(
                "probeval evaluate-offline: --adaptive-temperature samples with adaptive temperature only; it "
                        + "contradicts --decoding PLAIN",
                r.errLine());
        CliResult ok = CliResult.run(
                "evaluate-offline",
                "--model-version",
                "base",
                "--cache-dir",
                cache.toString(),
                "--adaptive-temperature");
        assertFalse(ok.err().contains("contradicts"), ok.err());
        assertTrue(ok.errLine().contains("--model-version base"), ok.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
