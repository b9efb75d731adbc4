package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The one test fixture for the command line: runs {@code probeval ARGS...} in-process, as {@link ProbevalCli#main}
 * would, and keeps its exit code, stdout and stderr.
 *
 * @param code the exit code
 * @param out what the command wrote on stdout
 * @param err what the command wrote on stderr
 */
record CliResult(int code, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the real command line. */
    static CliResult run(String... args) {
        return run(CommandLine.defaultFactory(), args);
    }

    /** Runs the command line with commands made by {@code factory} (to put a fake service into a command). */
    static CliResult run(CommandLine.IFactory factory, String... args) {
        CommandLine cl = ProbevalCli.commandLine(factory);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliResult(code, out.toString(), err.toString());
    }

    /** A factory that hands out {@code command} for its class and makes every other command as picocli would. */
    static <C> CommandLine.IFactory with(Class<C> type, C command) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == type
                        ? cls.cast(command)
                        : CommandLine.defaultFactory().create(cls);
            }
        };
    }

    /** Stdout split into lines; none for empty output. */
    List<String> outLines() {
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** Each non-blank stdout line parsed as JSON. */
    List<JsonNode> json() {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                try {
                    nodes.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("not a JSON line: " + line, e);
                }
            }
        }
        return nodes;
    }

    /** Stderr, which must be exactly one line (the project's error rule), without its line end. */
    String errLine() {
        assertEquals(1, err.strip().lines().count(), "one line on stderr, got: " + err);
        return err.strip();
    }
}
