package dev.probeval.app;

import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one lifecycle of the long-running commands (broker, registry, aggregate, worker): start, print the ready line,
 * close cleanly from a shutdown hook on Ctrl-C or SIGTERM, and exit 1 with one line when the service dies for good
 * (its {@link RunningService#terminated()} fails) instead of waiting forever.
 */
final class ServiceLifecycle {

    /** Where shutdown hooks go; the JVM's in production, a fake in tests that play Ctrl-C. */
    interface ShutdownHooks {
        void add(Thread hook);

        void remove(Thread hook);
    }

    static final ShutdownHooks RUNTIME = new ShutdownHooks() {
        @Override
        public void add(Thread hook) {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void remove(Thread hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to: nothing to undo.
            }
        }
    };

    private final ShutdownHooks hooks;

    ServiceLifecycle(ShutdownHooks hooks) {
        this.hooks = hooks;
    }

    /**
     * Runs a service until it ends; returns the exit code: 0 once it was closed, 1 when it died on its own.
     *
     * @param spec the command, for its name and its stdout / stderr
     * @param startContext what a failed start most likely means, e.g. "on Kafka at HOST:PORT (is `probeval broker`
     *     running?)"
     * @param start starts the service; a RuntimeException becomes exit 1 "cannot start START_CONTEXT: message"
     */
    int run(CommandSpec spec, String startContext, Supplier<RunningService> start) {
        String name = spec.qualifiedName();
        RunningService service;
        try {
            service = start.get();
        } catch (UsageException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CommandFailure("cannot start " + startContext + ": " + Cli.oneLine(message(e)), e);
        }
        AtomicBoolean closed = new AtomicBoolean();
        Runnable closeOnce = () -> {
            if (closed.compareAndSet(false, true)) {
                service.close().run();
            }
        };
        Thread hook = new Thread(closeOnce, name.replace(' ', '-') + "-shutdown");
        hooks.add(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println(service.readyLine());
        out.flush();
        Throwable failure = await(service, closeOnce);
        hooks.remove(hook);
        if (failure == null) {
            return 0;
        }
        try {
            closeOnce.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(name + ": error: stopped: " + Cli.oneLine(message(failure)));
        err.flush();
        return 1;
    }

    /** Waits for the end; null when it ended normally, the cause when it died. An interrupt asks for a stop. */
    private static Throwable await(RunningService service, Runnable closeOnce) {
        while (true) {
            try {
                service.terminated().get();
                return null;
            } catch (ExecutionException | CompletionException e) {
                return e.getCause() != null ? e.getCause() : e;
            } catch (InterruptedException e) {
                closeOnce.run();
            }
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
