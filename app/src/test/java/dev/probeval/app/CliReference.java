package dev.probeval.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Writes the generated parts of {@code docs/cli.md}: each command's usage help as picocli prints it, from the same
 * model the CLI runs on.
 *
 * <p>The file is hand-written prose with one generated block per command, between
 * {@code <!-- BEGIN GENERATED probeval NAME ... -->} and {@code <!-- END GENERATED -->}. {@link #render} replaces the
 * inside of every block, drops blocks of commands that no longer exist and appends a section for a command that has
 * no block yet, so the prose stays where it is and the option lists cannot drift from the code. The output depends on
 * nothing but the picocli model: a fixed width of {@value #WIDTH} columns, no ANSI, no terminal, and no option
 * defaults from the environment ({@code PROBEVAL_...} variables are ignored).
 *
 * <p>Regenerate with {@value #REGENERATE} (or run {@link #main} with the file's path); {@code CliReferenceTest} fails
 * while the file is stale.
 */
public final class CliReference {
    /** Usage width in columns: fixed, so the text does not depend on the terminal. */
    static final int WIDTH = 120;

    /** The command that rewrites docs/cli.md, run from the repository root. */
    static final String REGENERATE = "mvn -B -q test -pl app -am -Dtest=CliReferenceTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dprobeval.cli.write=true";

    private static final String END = "<!-- END GENERATED -->";
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- BEGIN GENERATED (probeval(?: [a-z-]+)*)[^\\n]*-->\\n.*?" + Pattern.quote(END) + "\\n?",
            Pattern.DOTALL);

    private CliReference() {}

    /** Every command and subcommand by qualified name ({@code probeval}, {@code probeval lab run}, ...), in CLI order. */
    static Map<String, CommandLine> commands() {
        CommandLine root = ProbevalCli.commandLine(CommandLine.defaultFactory(), Map.of());
        root.setUsageHelpAutoWidth(false);
        root.setUsageHelpWidth(WIDTH);
        Map<String, CommandLine> all = new LinkedHashMap<>();
        collect(root, all);
        return all;
    }

    private static void collect(CommandLine cl, Map<String, CommandLine> into) {
        into.put(cl.getCommandSpec().qualifiedName(), cl);
        // An alias maps to the same CommandLine again; the spec's own name keeps one entry per command.
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandSpec().name())) {
                collect(sub, into);
            }
        });
    }

    /** The generated block of one command, markers included. */
    static String block(String name, CommandLine cl) {
        String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).replace("\r\n", "\n");
        StringBuilder text = new StringBuilder();
        for (String line : usage.split("\n", -1)) {
            text.append(line.stripTrailing()).append('\n');
        }
        String body = text.toString().strip();
        return "<!-- BEGIN GENERATED " + name
                + " (CliReference; edit the command's picocli annotations, not this) -->\n" + "```text\n" + body
                + "\n```\n" + END + "\n";
    }

    /** {@code current} with every generated block rewritten from the picocli model. */
    static String render(String current) {
        Map<String, CommandLine> commands = commands();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(current.replace("\r\n", "\n"));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            CommandLine cl = commands.get(name);
            String replacement = cl == null || seen.containsKey(name) ? "" : block(name, cl);
            seen.put(name, true);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        commands.forEach((name, cl) -> {
            if (!seen.containsKey(name)) {
                if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                    out.append('\n');
                }
                out.append("\n## `").append(name).append("`\n\n").append(block(name, cl));
            }
        });
        return out.toString();
    }

    /** Rewrites the file named by {@code args[0]} (default {@code docs/cli.md}) in place. */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "docs/cli.md");
        String current = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        Files.writeString(file, render(current), StandardCharsets.UTF_8);
    }
}
