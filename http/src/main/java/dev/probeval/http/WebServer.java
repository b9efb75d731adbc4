package dev.probeval.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.text.Texts;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinLogger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started Javalin server with probeval's conventions: bound to {@code host:port} (0 = a free port, see
 * {@link #port()}), JSON through the given Jackson mapper, one {@link ErrorShape} for every error, a bounded Jetty
 * thread pool (one acceptor, one selector, the rest for requests), no response compression (bodies go out exactly as
 * written), request logging off unless asked for, and a graceful {@link #close()} that lets requests in flight finish
 * for up to {@link Builder#stopTimeout}.
 *
 * <pre>{@code
 * try (WebServer s = WebServer.builder("metrics").port(0)
 *     .routes(r -> r.get("/health", ctx -> ctx.json(Map.of("status", "UP")))).start()) {
 *   System.out.println(s.url());
 * }
 * }</pre>
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    private static final long SHUTDOWN_IDLE_MS = 50;

    private final String name;
    private final Javalin app;
    private volatile boolean closed;

    private WebServer(String name, Javalin app) {
        this.name = name;
        this.app = app;
    }

    /** A builder for a server called {@code name} (used in thread names and log lines, e.g. "registry"). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The port actually bound (the ephemeral one when built with port 0). */
    public int port() {
        return app.port();
    }

    /**
     * The base URL to reach this server, {@code http://host:port}; a wildcard bind (0.0.0.0, ::) is reported as
     * 127.0.0.1 since a wildcard address is not something a client can connect to.
     */
    public String url() {
        ServerConnector c = (ServerConnector) app.jettyServer().server().getConnectors()[0];
        String host = c.getHost();
        InetAddress address = host == null ? null : new InetSocketAddress(host, 0).getAddress();
        if (address == null || address.isAnyLocalAddress()) {
            host = "127.0.0.1";
        }
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** Stops accepting, lets requests in flight finish (up to the stop timeout), then stops; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            app.stop();
        } catch (RuntimeException e) {
            // Jetty stops its connectors and handlers even when the graceful phase times out (a long-lived event
            // stream whose client left without the server noticing yet); it reports the timeout only at the end.
            if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)) {
                throw e;
            }
            LOG.warn("HTTP server {} stopped after its graceful-stop timeout with requests still open", name);
            return;
        }
        LOG.debug("HTTP server {} stopped", name);
    }

    /** Configures and starts a {@link WebServer}. Defaults: 127.0.0.1, port 0, 16 threads, 1 MiB bodies, 5 s stop. */
    public static final class Builder {
        private final String name;
        private String host = "127.0.0.1";
        private int port = 0;
        private int maxThreads = 16;
        private long maxRequestBytes = 1L << 20;
        private Duration stopTimeout = Duration.ofSeconds(5);
        private boolean requestLogging;
        private ObjectMapper mapper = new ObjectMapper();
        private ErrorShape errorShape = ErrorShape.MESSAGE;
        private final List<Consumer<RoutesConfig>> routes = new ArrayList<>();
        private final List<Consumer<JavalinConfig>> configurers = new ArrayList<>();
        private final List<Mapping<?>> mappings = new ArrayList<>();

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a server needs a name (used for its threads and logs)");
            }
            this.name = name;
        }

        /** Interface to bind: 127.0.0.1 (default) serves this host only, 0.0.0.0 every interface. */
        public Builder host(String host) {
            this.host = HostPort.requireHost(host, "HTTP host");
            return this;
        }

        /** Port to bind, 0..65535; 0 picks a free one (read it back with {@link WebServer#port()}). */
        public Builder port(int port) {
            this.port = HostPort.requirePort(port, "HTTP port");
            return this;
        }

        /** Upper bound on the server's threads, including its acceptor and selector (at least 4; default 16). */
        public Builder maxThreads(int maxThreads) {
            if (maxThreads < 4) {
                throw new IllegalArgumentException(
                        "maxThreads must be >= 4 (acceptor, selector and request threads), got " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /** Largest request body a handler may read, in bytes (default 1 MiB). */
        public Builder maxRequestBytes(long maxRequestBytes) {
            if (maxRequestBytes < 1) {
                throw new IllegalArgumentException("maxRequestBytes must be >= 1, got " + maxRequestBytes);
            }
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /** How long {@link WebServer#close()} waits for requests in flight (default 5 s). */
        public Builder stopTimeout(Duration stopTimeout) {
            if (stopTimeout == null || stopTimeout.isNegative()) {
                throw new IllegalArgumentException("stopTimeout must be >= 0, got " + stopTimeout);
            }
            this.stopTimeout = stopTimeout;
            return this;
        }

        /** Logs one INFO line per request (method, path, status, time) when true; off by default. */
        public Builder requestLogging(boolean requestLogging) {
            this.requestLogging = requestLogging;
            return this;
        }

        /** The Jackson mapper behind {@code ctx.json(...)}, {@code ctx.bodyAsClass(...)} and error bodies. */
        public Builder jsonMapper(ObjectMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** The server's one error shape (default {@link ErrorShape#MESSAGE}). */
        public Builder errorShape(ErrorShape errorShape) {
            this.errorShape = Objects.requireNonNull(errorShape, "errorShape");
            return this;
        }

        /** Declares routes ({@code r.get(path, handler)}, {@code r.sse(...)}); may be called more than once. */
        public Builder routes(Consumer<RoutesConfig> routes) {
            this.routes.add(Objects.requireNonNull(routes, "routes"));
            return this;
        }

        /**
         * Turns exceptions of {@code type} thrown by handlers into an {@link HttpError} written in the error shape (for
         * example a store's "not queryable" into 503). The most specific registered type wins; anything unmapped is a
         * 500 with the exception's text, logged at WARN.
         */
        public <E extends Exception> Builder mapException(Class<E> type, Function<? super E, HttpError> mapping) {
            mappings.add(
                    new Mapping<>(Objects.requireNonNull(type, "type"), Objects.requireNonNull(mapping, "mapping")));
            return this;
        }

        /** Further Javalin settings (static files, router options); applied after this builder's own. */
        public Builder configure(Consumer<JavalinConfig> configurer) {
            configurers.add(Objects.requireNonNull(configurer, "configurer"));
            return this;
        }

        /** Binds and starts serving; throws {@link IllegalStateException} naming host and port if it cannot bind. */
        public WebServer start() {
            Javalin app = Javalin.create(this::apply);
            try {
                app.start();
            } catch (RuntimeException e) {
                try {
                    app.stop();
                } catch (RuntimeException ignored) {
                    // the start failure is what the caller needs to see
                }
                throw new IllegalStateException(
                        "Cannot start the " + name + " HTTP server on " + host + ":" + port + ": "
                                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
                        e);
            }
            LOG.info("HTTP server {} listening on {}:{}", name, host, app.port());
            return new WebServer(name, app);
        }

        private void apply(JavalinConfig cfg) {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            // Javalin's own startup lines (version, "Listening on") repeat what the "listening" line below says.
            JavalinLogger.startupInfo = false;
            cfg.http.maxRequestSize = maxRequestBytes;
            cfg.http.prefer405over404 = true;
            // Bodies go out byte for byte as written: clients (and tests) may compare them.
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.jsonMapper(new JavalinJackson(mapper, false));

            QueuedThreadPool pool = new QueuedThreadPool(maxThreads, Math.min(2, maxThreads), 60_000);
            pool.setName("probeval-" + name + "-http");
            // Daemon threads: a server someone forgot to close must not keep the JVM alive.
            pool.setDaemon(true);
            cfg.jetty.threadPool = pool;
            // One acceptor and one selector whatever the core count, so the thread budget does not depend on the
            // machine.
            cfg.jetty.addConnector((server, httpConfig) -> {
                ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(httpConfig));
                c.setHost(host);
                c.setPort(port);
                // On stop, idle keep-alive connections are closed after this long (Jetty's default, 1 s, would make
                // every
                // close() of a server that has answered a request take a second); requests in flight still finish.
                c.setShutdownIdleTimeout(SHUTDOWN_IDLE_MS);
                return c;
            });
            cfg.jetty.modifyServer(server -> {
                server.setStopTimeout(stopTimeout.toMillis());
                server.insertHandler(new GracefulHandler());
            });
            if (requestLogging) {
                cfg.requestLogger.http((ctx, ms) -> LOG.info(
                        "{} {} {} -> {} in {} ms",
                        name,
                        ctx.method(),
                        Texts.clip(ctx.path()),
                        ctx.statusCode(),
                        Math.round(ms)));
            }

            RoutesConfig r = cfg.routes;
            r.exception(HttpError.class, (e, ctx) -> write(ctx, e));
            r.exception(HttpResponseException.class, (e, ctx) -> write(ctx, fromJavalin(e, ctx)));
            r.exception(Exception.class, (e, ctx) -> {
                LOG.warn("{} HTTP {} {} failed", name, ctx.method(), Texts.clip(ctx.path()), e);
                write(ctx, new HttpError(500, Texts.clip(e.toString(), 1000)));
            });
            for (Mapping<?> m : mappings) {
                m.register(r, this);
            }
            routes.forEach(c -> c.accept(r));
            configurers.forEach(c -> c.accept(cfg));
        }

        private static HttpError fromJavalin(HttpResponseException e, Context ctx) {
            int status = e.getStatus() >= 400 && e.getStatus() <= 599 ? e.getStatus() : 500;
            String message = switch (status) {
                case 404 -> "no endpoint " + ctx.method() + " " + Texts.clip(ctx.path());
                case 405 -> "HTTP " + ctx.method() + " not allowed on " + Texts.clip(ctx.path());
                default -> e.getMessage();
            };
            return new HttpError(status, message);
        }

        private void write(Context ctx, HttpError e) {
            byte[] body;
            try {
                body = mapper.writeValueAsBytes(errorShape.body(e));
            } catch (JsonProcessingException impossible) {
                throw new IllegalStateException("cannot serialise an error body", impossible);
            }
            ctx.status(e.status()).contentType(errorShape.contentType()).result(body);
        }

        private record Mapping<E extends Exception>(Class<E> type, Function<? super E, HttpError> mapping) {
            void register(RoutesConfig r, Builder b) {
                r.exception(type, (e, ctx) -> b.write(ctx, mapping.apply(e)));
            }
        }
    }
}
