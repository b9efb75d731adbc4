package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md is what {@link CliReference} generates from the picocli model: every command has its usage block, and
 * no block is stale. With {@code -Dprobeval.cli.write=true} the test rewrites the file instead of failing.
 */
class CliReferenceTest {
    // Surefire runs in the module directory; docs/ is the repository's.
    private static final Path FILE = Path.of("..", "docs", "cli.md");

    @Test
    void docsCliMdShouldBeTheGeneratedReference() throws IOException {
        String current = Files.readString(FILE, StandardCharsets.UTF_8);
        String expected = CliReference.render(current);
        if (Boolean.getBoolean("probeval.cli.write")) {
            Files.writeString(FILE, expected, StandardCharsets.UTF_8);
            return;
        }
        if (!expected.equals(current)) {
            fail("docs/cli.md is stale (the CLI's options changed). Regenerate it from the repository root with\n  "
                    + CliReference.REGENERATE + "\nthen review and commit the diff.\n"
                    + firstDifference(current, expected));
        }
    }

    @Test
    void renderingShouldNotDependOnTheEnvironmentOrRepeats() {
        String once = CliReference.render("");
        assertEquals(once, CliReference.render(once), "rendering twice changes nothing");
        assertFalse(once.contains("\u001b["), "no ANSI escapes");
        assertTrue(once.lines().allMatch(l -> l.length() <= CliReference.WIDTH), "lines fit the fixed width");
        // A PROBEVAL_... variable changes a command's defaults, never the reference.
        Map<String, String> env = Map.of("PROBEVAL_BOOTSTRAP_SERVERS", "elsewhere:9093");
        String withEnv = ProbevalCli.commandLine(picocli.CommandLine.defaultFactory(), env)
                .getSubcommands()
                .get("worker")
                .getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
        assertTrue(withEnv.contains("elsewhere:9093"), "the environment does reach a command's own help");
        assertFalse(once.contains("elsewhere:9093"));
    }

    @Test
    void renderShouldKeepProseAndDropBlocksOfRemovedCommands() {
        String doc = "# intro\n\nprose\n\n<!-- BEGIN GENERATED probeval frobnicate -->\nold\n<!-- END GENERATED -->\n"
                + "\n<!-- BEGIN GENERATED probeval plan -->\nold\n<!-- END GENERATED -->\nafter\n";
        String out = CliReference.render(doc);
        assertTrue(out.startsWith("# intro\n\nprose\n\n"));
        assertFalse(out.contains("frobnicate"));
        assertFalse(out.contains("\nold\n"));
        assertTrue(out.contains("Usage: probeval plan"));
        assertTrue(out.contains("<!-- END GENERATED -->\nafter\n"));
        List.of("probeval demo", "probeval lab run").forEach(c -> assertTrue(out.contains("## `" + c + "`"), c));
    }

    private static String firstDifference(String a, String b) {
        List<String> x = a.lines().toList();
        List<String> y = b.lines().toList();
        for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
            String l = i < x.size() ? x.get(i) : "<end of file>";
            String r = i < y.size() ? y.get(i) : "<end of file>";
            if (!l.equals(r)) {
                return "First difference at line " + (i + 1) + ":\n  file:      " + l + "\n  generated: " + r;
            }
        }
        return "";
    }
}
