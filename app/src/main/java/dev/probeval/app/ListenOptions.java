package dev.probeval.app;

import picocli.CommandLine.Option;

/**
 * Where an HTTP service of this process listens: {@code --host} (alias {@code --http-host}) and {@code --port} (alias
 * {@code --http-port}), the same in {@code serve}, {@code registry} and {@code aggregate}. Each command constructs it
 * with its own defaults (constants of its server's config class), which its {@code --help} shows.
 */
final class ListenOptions {
    @Option(
            names = {"--host", "--http-host"},
            paramLabel = "HOST",
            description = "Interface the HTTP server binds; 0.0.0.0 serves other hosts (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = {"--port", "--http-port"},
            paramLabel = "PORT",
            description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    ListenOptions(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Fails with a usage error when the port is taken (see {@link Cli#requireFreePort}). */
    void requireFree() {
        Cli.requireFreePort(host, port, "--port");
    }
}
