package dev.probeval.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.function.Supplier;

/**
 * What every command does with its options the same way: hand values to a config builder, whose range checks are the
 * only ones, and turn the builder's {@link IllegalArgumentException} into the exit-2 usage error.
 */
final class Cli {
    private Cli() {}

    /** Runs one builder call for {@code option}; a refusal becomes "OPTION: the builder's message". */
    static void option(String option, Runnable builderCall) {
        try {
            builderCall.run();
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    /** Builds a config; a refusal that no single option caused (a missing combination) becomes a usage error. */
    static <T> T build(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Fails with a usage error when {@code host:port} cannot be bound, before a service starts half-way: the usual
     * cause is a second instance, which the message suggests.
     */
    static void requireFreePort(String host, int port, String option) {
        if (port == 0) {
            return;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(option + " " + port + " on " + host + " is not available (" + e.getMessage()
                    + "); is another instance running? pick another with " + option);
        }
    }

    /** A message on one line: stack-trace-like texts from libraries must not break the one-line error rule. */
    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
