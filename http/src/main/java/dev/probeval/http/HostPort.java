package dev.probeval.http;

/**
 * The one check of a host to bind and a port to listen on, shared by every server and config builder (HTTP servers,
 * the embedded broker and registry, the aggregator's REST API, the worker's metrics endpoint): a port is 0..65535
 * (0: a free one), a host is not empty.
 */
public final class HostPort {
    /** Largest TCP port. */
    public static final int MAX_PORT = 65535;

    private HostPort() {}

    /**
     * {@code port} when it is in 0..{@value #MAX_PORT}.
     *
     * @param what names the port in the message, for example "http port"
     * @throws IllegalArgumentException "{@code what} must be in 0..65535, got {@code port}"
     */
    public static int requirePort(int port, String what) {
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException(what + " must be in 0.." + MAX_PORT + ", got " + port);
        }
        return port;
    }

    /**
     * {@code host} when it is not null or blank.
     *
     * @param what names the host in the message, for example "http host"
     * @throws IllegalArgumentException "{@code what} must not be empty"
     */
    public static String requireHost(String host, String what) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return host;
    }
}
