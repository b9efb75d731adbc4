package dev.probeval.app;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from environment variables, for containers: every long option of every command can be set as
 * {@code PROBEVAL_<COMMAND>_<OPTION>} (only for that command) or {@code PROBEVAL_<OPTION>} (for every command that has
 * the option), where {@code <OPTION>} is one of the option's long names (an alias too) without the leading dashes, upper case, with
 * {@code -} turned into {@code _}, and {@code <COMMAND>} the command's name the same way (a nested command joins its
 * names with {@code _}, e.g. {@code PROBEVAL_LAB_TRAIN_STEPS}).
 *
 * <p>Examples: {@code PROBEVAL_BOOTSTRAP_SERVERS=kafka:9092} is {@code --bootstrap-servers kafka:9092} for every
 * command; {@code PROBEVAL_AGGREGATE_HTTP_PORT=8090} is {@code --http-port 8090} for {@code probeval aggregate} only.
 * The command-scoped name wins over the global one; an option given on the command line wins over both (picocli asks a
 * default provider only for options that are absent). A boolean flag takes {@code true} or {@code false}; a
 * repeatable option (a list or a map, such as {@code --kafka-config}) takes one value from the environment, so more
 * Kafka client settings go in {@code --kafka-config-file} or on the command line. The help options and
 * positional parameters are not read from the environment.
 */
public final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
    /** The prefix of every variable this provider reads. */
    public static final String PREFIX = "PROBEVAL_";

    private final Map<String, String> env;

    /** Reads the given variables (a process's {@link System#getenv()}, or a map in a test). */
    public EnvironmentDefaults(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        for (String name : variableNames(option)) {
            String value = env.get(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** The value of the variable {@code name} in the environment this provider reads, or null. */
    public String variable(String name) {
        return env.get(name);
    }

    /** The variable that supplies {@code option}'s value, when one is set (for error messages). */
    public Optional<String> source(OptionSpec option) {
        return variableNames(option).stream().filter(env::containsKey).findFirst();
    }

    /**
     * The variables that set {@code option}, the one that wins first: command-scoped, then global, each for every long
     * name of the option, the longest first (so an option that gained a shorter spelling keeps its variables).
     */
    public static List<String> variableNames(OptionSpec option) {
        List<String> parts = Arrays.stream(option.names())
                .filter(n -> n.startsWith("--"))
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(n -> token(n.substring(2)))
                .distinct()
                .toList();
        List<String> names = new ArrayList<>(2 * parts.size());
        commandPart(option.command()).ifPresent(c -> parts.forEach(p -> names.add(PREFIX + c + "_" + p)));
        parts.forEach(p -> names.add(PREFIX + p));
        return names;
    }

    /** {@code --bootstrap-servers} → {@code BOOTSTRAP_SERVERS}. */
    static String optionPart(OptionSpec option) {
        return token(option.longestName().replaceFirst("^-+", ""));
    }

    /** The command's names below the root joined by {@code _}, or empty for the root command. */
    static Optional<String> commandPart(CommandSpec command) {
        if (command == null || command.parent() == null) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (CommandSpec c = command; c != null && c.parent() != null; c = c.parent()) {
            parts.add(0, token(c.name()));
        }
        return Optional.of(String.join("_", parts));
    }

    private static String token(String s) {
        return s.replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT);
    }
}
