package dev.probeval.app;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code probeval} command line: one picocli subcommand per job (bound, score, sample,
 * run the broker, the registry, the aggregator, the worker, the demo, serve a model).
 *
 * <p>Exit codes follow the project convention: 0 success, 1 runtime failure, 2 bad input or usage. Every error is one
 * line on stderr that starts with the command's name ({@code probeval aggregate: ...}); a parse error adds where to
 * read the usage instead of printing all of it.
 */
@Command(
        name = "probeval",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Probabilistic evaluation of LLM output distributions with high-probability guarantees.",
        subcommands = {
            DemoCommand.class,
            BoundsCommand.class,
            ScoreCommand.class,
            BrokerCommand.class,
            RegistryCommand.class,
            SampleCommand.class,
            ServeCommand.class,
            AggregateCommand.class,
            WorkerCommand.class,
            LabCommand.class,
            EvaluateOfflineCommand.class,
            ProduceCommand.class,
            PlanCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ProbevalCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code probeval} without a command: the usage on stderr, exit 2 (a script called it wrongly). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Builds the configured command line; tests call this to run commands in-process. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** The command line with commands made by {@code factory}: tests put fake services into a command this way. */
    static CommandLine commandLine(CommandLine.IFactory factory) {
        return commandLine(factory, System.getenv());
    }

    /**
     * The command line with option defaults from {@code env} ({@code PROBEVAL_...}, see {@link EnvironmentDefaults}):
     * {@link #main} passes the process environment, tests a map.
     */
    static CommandLine commandLine(CommandLine.IFactory factory, java.util.Map<String, String> env) {
        CommandLine cl = new CommandLine(new ProbevalCli(), factory);
        // Enum options read their values in any case (--mode sound, --mode SOUND) and list them in --help.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Subcommands declare mixinStandardHelpOptions but no version provider: without this, --version prints nothing.
        VersionProvider version = new VersionProvider();
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().mixinStandardHelpOptions()) {
                sub.getCommandSpec().versionProvider(version);
            }
        }
        cl.setDefaultValueProvider(new EnvironmentDefaults(env));
        cl.setExecutionStrategy(ProbevalCli::execute);
        cl.setParameterExceptionHandler(ProbevalCli::parseError);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String name = cmd.getCommandSpec().qualifiedName();
            if (ex instanceof UsageException) {
                cmd.getErr().println(name + ": " + Cli.oneLine(ex.getMessage()));
                return 2;
            }
            cmd.getErr()
                    .println(name + ": error: "
                            + Cli.oneLine(ex instanceof CommandFailure ? ex.getMessage() : ex.toString()));
            return 1;
        });
        return cl;
    }

    /**
     * Picocli's own strategy, except that arguments left over are an error even when {@code --help} was given: without
     * this, {@code probeval frobnicate --help} printed the top-level usage and exited 0, so a script could not tell that
     * {@code frobnicate} does not exist.
     */
    private static int execute(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    /** One line naming the option or argument, a suggestion when picocli has one, and where the usage is. */
    private static int parseError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        String message = Cli.oneLine(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            List<String> suggestions = u.getSuggestions();
            if (cmd.getCommandSpec().parent() == null
                    && !unmatched.isEmpty()
                    && !unmatched.get(0).startsWith("-")) {
                // The full list beats picocli's guess (which offers "worker" for "server").
                message = "unknown command '" + unmatched.get(0) + "'; the commands are "
                        + String.join(", ", cmd.getSubcommands().keySet());
            } else if (!suggestions.isEmpty()) {
                message += "; did you mean "
                        + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?";
            }
        }
        if (ex.getArgSpec() instanceof picocli.CommandLine.Model.OptionSpec o
                && cmd.getDefaultValueProvider() instanceof EnvironmentDefaults env
                && java.util.Arrays.stream(args)
                        .noneMatch(a -> java.util.Arrays.stream(o.names())
                                .anyMatch(n -> a.equals(n) || a.startsWith(n + "=")))) {
            // The value came from the environment, not the command line: say which variable to fix.
            String variable = env.source(o).orElse(null);
            if (variable != null) {
                message += " (from " + variable + ")";
            }
        }
        cmd.getErr().println(name + ": " + message + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return 2;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
