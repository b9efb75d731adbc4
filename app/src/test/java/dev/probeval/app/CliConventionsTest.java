package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every command shares: the same options read the same in every --help, --help and --version exit 0, a parse
 * error is one line with exit 2, an unknown command is an error.
 */
class CliConventionsTest {
    /** Every subcommand of {@code probeval} but {@code help}. */
    private static final List<String> COMMANDS = List.of(
            "demo",
            "bounds",
            "score",
            "broker",
            "registry",
            "sample",
            "serve",
            "aggregate",
            "worker",
            "lab",
            "evaluate-offline",
            "produce",
            "plan");

    /** The shared options (as picocli prints them) and the commands that have them. */
    private static final Map<String, Set<String>> SHARED = Map.of(
            "--bootstrap-servers", Set.of("registry", "aggregate", "worker", "produce"),
            "--kafka-config", Set.of("registry", "aggregate", "worker", "produce"),
            "--kafka-config-file", Set.of("registry", "aggregate", "worker", "produce"),
            "--schema-registry-url", Set.of("aggregate", "worker", "produce"),
            "--[no-]create-topics", Set.of("broker", "aggregate", "worker"),
            "--partitions", Set.of("broker", "aggregate", "worker"),
            "--replication-factor", Set.of("registry", "aggregate", "worker"));

    /**
     * The help entry of one option: its line and the description lines under it, without whitespace (picocli sizes the
     * columns per command from its longest option, so line breaks differ, even inside "client.properties"; the
     * characters must not).
     */
    static String helpEntry(String help, String option) {
        List<String> lines = help.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (isOptionLine(lines.get(i))
                    && (t.startsWith(option + "=")
                            || t.startsWith(option + " ")
                            || t.equals(option)
                            || t.matches("-\\w, " + java.util.regex.Pattern.quote(option) + "\\b.*"))) {
                List<String> entry = new ArrayList<>(List.of(t));
                for (int j = i + 1;
                        j < lines.size()
                                && !isOptionLine(lines.get(j))
                                && !lines.get(j).isBlank();
                        j++) {
                    entry.add(lines.get(j).strip());
                }
                return String.join("", entry).replaceAll("\\s+", "");
            }
        }
        return null;
    }

    private static boolean isOptionLine(String line) {
        // Picocli indents option lines by 2 to 6 spaces; the command's description above them is not indented.
        return line.matches(" {2,8}-.*");
    }

    @Test
    void everyCommandsHelpShouldListTheSharedOptionsIdentically() {
        Map<String, String> helps = new LinkedHashMap<>();
        for (String c : COMMANDS) {
            CliResult r = CliResult.run(c, "--help");
            assertEquals(0, r.code(), c + ": " + r.err());
            helps.put(c, r.out());
        }
        SHARED.forEach((option, owners) -> {
            String first = null;
            for (String c : COMMANDS) {
                String entry = helpEntry(helps.get(c), option);
                if (!owners.contains(c)) {
                    assertEquals(null, entry, c + " should not have " + option);
                    continue;
                }
                assertNotNull(entry, c + " --help should list " + option);
                assertTrue(
                        entry.contains("default") || option.startsWith("--kafka-config"),
                        c + " " + option + ": " + entry);
                if (first == null) {
                    first = entry;
                } else {
                    assertEquals(first, entry, option + " reads differently in " + c);
                }
            }
        });
    }

    @Test
    void helpAndVersionShouldExitZeroOnEveryCommand() {
        for (String c : COMMANDS) {
            CliResult help = CliResult.run(c, "--help");
            assertEquals(0, help.code(), c);
            assertTrue(help.out().startsWith("Usage: probeval " + c), help.out());
            CliResult version = CliResult.run(c, "--version");
            assertEquals(0, version.code(), c);
            assertTrue(version.out().startsWith("probeval "), c + " --version printed: '" + version.out() + "'");
        }
        assertEquals(0, CliResult.run("--help").code());
        assertEquals(0, CliResult.run("--version").code());
        assertEquals(0, CliResult.run("help", "aggregate").code());
    }

    @Test
    void aParseErrorShouldBeOneLineNamingTheOptionWithAHintToHelp() {
        CliResult r = CliResult.run("aggregate", "--http-port", "abc");
        assertEquals(2, r.code());
        String line = r.errLine();
        assertTrue(line.startsWith("probeval aggregate: "), line);
        assertTrue(line.contains("--http-port") && line.contains("'abc'"), line);
        assertTrue(line.endsWith("(see 'probeval aggregate --help')"), line);
        assertFalse(r.out().contains("Usage:") || r.err().contains("Usage:"), "no usage dump");

        CliResult typo = CliResult.run("worker", "--chunksize", "3");
        assertEquals(2, typo.code());
        assertTrue(typo.errLine().contains("Unknown options: '--chunksize'"), typo.err());
        assertTrue(typo.errLine().contains("did you mean --chunk-size"), typo.err());

        CliResult missing = CliResult.run("score");
        assertEquals(2, missing.code());
        assertTrue(missing.errLine().contains("--metric"), missing.err());
    }

    @Test
    void everyCommandShouldKnowAllItsSubcommandsHere() {
        List<String> declared = ProbevalCli.commandLine().getSubcommands().keySet().stream()
                .filter(c -> !c.equals("help"))
                .toList();
        assertEquals(Set.copyOf(declared), Set.copyOf(COMMANDS), "CliConventionsTest.COMMANDS lists every subcommand");
    }

    @Test
    void aBadOptionShouldExitTwoWithOneLineOnEveryCommand() {
        for (String c : COMMANDS) {
            CliResult r = CliResult.run(c, "--no-such-option");
            assertEquals(2, r.code(), c + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), c + " printed more than one line: " + r.err());
            // a command with a required option may name that one first; either way one line with the hint
            assertTrue(
                    r.errLine().startsWith("probeval " + c + ": ")
                            && r.errLine().endsWith("(see 'probeval " + c + " --help')"),
                    r.errLine());
            assertEquals("", r.out(), c + ": nothing on stdout");
        }
    }

    @Test
    void enumOptionsShouldListTheirValuesAndReadThemInAnyCase() throws java.io.IOException {
        String help = CliResult.run("produce", "--help").out();
        assertTrue(helpEntry(help, "--mode").contains("CONBO,SOUND,ANYTIME"), helpEntry(help, "--mode"));
        CliResult bad = CliResult.run("produce", "--mode", "loose", "--dry-run");
        assertEquals(2, bad.code());
        assertTrue(bad.errLine().contains("--mode") && bad.errLine().contains("loose"), bad.errLine());

        java.nio.file.Path scores = java.nio.file.Files.createTempFile("scores", ".txt");
        java.nio.file.Files.writeString(scores, "0 1 0.5\n");
        CliResult demo = CliResult.run("bounds", "--mode", "Conbo", "--conbo-sigma", "demo", scores.toString());
        java.nio.file.Files.delete(scores);
        assertEquals(0, demo.code(), demo.err());
        CliResult sigma = CliResult.run("bounds", "--conbo-sigma", "half");
        assertEquals(2, sigma.code());
        assertTrue(sigma.errLine().contains("--conbo-sigma") && sigma.errLine().contains("DOC, DEMO"), sigma.errLine());
        CliResult entropy = CliResult.run("lab", "unlearn", "--entropy", "maybe");
        assertEquals(2, entropy.code());
        assertTrue(
                entropy.errLine().contains("--entropy") && entropy.errLine().contains("BOTH, ON, OFF"),
                entropy.errLine());
        CliResult method = CliResult.run("lab", "unlearn", "--method", "sgd");
        assertEquals(2, method.code());
        assertTrue(method.errLine().contains("--method") && method.errLine().contains("GA, GD, NPO"), method.errLine());
    }

    /** Every enum-typed option of every command lists its values in its description. */
    @Test
    void everyEnumOptionShouldListItsValues() {
        List<String> missing = new ArrayList<>();
        List<picocli.CommandLine> todo = new ArrayList<>(List.of(ProbevalCli.commandLine()));
        while (!todo.isEmpty()) {
            picocli.CommandLine cl = todo.remove(0);
            todo.addAll(cl.getSubcommands().values());
            for (picocli.CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                Class<?> t = o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : o.type();
                if (!t.isEnum()) {
                    continue;
                }
                String values = java.util.Arrays.stream(t.getEnumConstants())
                        .map(Object::toString)
                        .collect(java.util.stream.Collectors.joining(", "));
                if (t.isEnum() && !String.join(" ", o.description()).contains(values)) {
                    missing.add(cl.getCommandSpec().qualifiedName() + " " + o.longestName());
                }
            }
        }
        assertEquals(List.of(), missing, "enum options without ${COMPLETION-CANDIDATES}");
    }

    @Test
    void anUnknownCommandShouldBeAnErrorEvenWithHelp() {
        CliResult r = CliResult.run("frobnicate", "--help");
        assertEquals(2, r.code());
        assertTrue(
                r.errLine().startsWith("probeval: unknown command 'frobnicate'; the commands are demo, bounds"),
                r.err());
        assertEquals("", r.out(), "no top-level usage on stdout");

        CliResult extra = CliResult.run("bounds", "--help", "nonsense", "more");
        assertEquals(2, extra.code(), "leftover arguments after a command are an error too: " + extra.err());

        CliResult none = CliResult.run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("Usage: probeval"), none.err());
    }
}
