package dev.probeval.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code probeval} command line: one picocli subcommand per job (bound, score, sample,
 * run the broker, the registry, the aggregator, the worker, the demo).
 *
 * <p>Exit codes follow the project convention: 0 success, 1 runtime failure, 2 bad input or usage.
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
      AggregateCommand.class,
      WorkerCommand.class,
      LabCommand.class, EvaluateOfflineCommand.class,
      CommandLine.HelpCommand.class
    })
public final class ProbevalCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** Builds the configured command line; tests call this to run commands in-process. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new ProbevalCli());
    // Picocli's default for bad usage is 2, for exceptions 1: exactly the project convention.
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          if (ex instanceof UsageException) {
            cmd.getErr().println("probeval " + cmd.getCommandName() + ": " + ex.getMessage());
            return 2;
          }
          cmd.getErr().println("probeval " + cmd.getCommandName() + ": error: " + ex);
          return 1;
        });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
