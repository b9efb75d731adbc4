package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.lab.TofuSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --tofu-dir} and {@code --tofu-url} on the commands that read TOFU: their errors are one line, exit 2. */
class TofuOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void aTofuDirWithoutDataShouldBeAOneLineUsageError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        for (String[] cmd : new String[][] {
            {"evaluate-offline", "--model-version", "base"},
            {"lab", "train"},
            {"demo", "--quick", "--exit", "--port", "0"}
        }) {
            String[] args = java.util.stream.Stream.concat(
                            java.util.Arrays.stream(cmd),
                            java.util.stream.Stream.of(
                                    "--tofu-dir",
                                    empty.toString(),
                                    "--cache-dir",
                                    tmp.resolve("lab").toString()))
                    .toArray(String[]::new);
            CliResult r = CliResult.run(args);
            assertEquals(2, r.code(), String.join(" ", cmd) + ": " + r.err());
            String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.contains(empty + ": TOFU data directory") && last.contains("nor full.json"), r.err());
        }
    }

    @Test
    void aBadTofuUrlShouldBeAUsageError() {
        CliResult r =
                CliResult.run("evaluate-offline", "--model-version", "base", "--tofu-url", "ftp://example.org/tofu");
        assertEquals(2, r.code(), r.err());
        assertTrue(
                r.err().contains("--tofu-url: TOFU URL 'ftp://example.org/tofu' must be an http:// or https:// URL"),
                r.err());
    }

    @Test
    void theEnvironmentShouldSetBothOptions() {
        CommandLine cl = ProbevalCli.commandLine(
                CommandLine.defaultFactory(),
                Map.of(TofuSource.ENV_DIR, "/data/tofu", TofuSource.ENV_URL, "http://mirror.example/tofu/"));
        CommandLine.ParseResult pr = cl.parseArgs("lab", "train");
        LabCommand.Train train =
                (LabCommand.Train) pr.subcommand().subcommand().commandSpec().userObject();
        assertEquals(Path.of("/data/tofu"), train.common.data.dir);
        assertEquals("http://mirror.example/tofu/", train.common.data.url);
    }
}
