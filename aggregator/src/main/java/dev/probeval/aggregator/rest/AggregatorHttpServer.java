package dev.probeval.aggregator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.avro.PromptBounds;
import dev.probeval.core.text.Texts;
import dev.probeval.http.ErrorShape;
import dev.probeval.http.Health;
import dev.probeval.http.HttpError;
import dev.probeval.http.WebServer;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.sse.SseHandler;
import io.javalin.http.staticfiles.Location;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The aggregator's read-only HTTP API (on {@link WebServer}, JSON via Jackson), correct with several instances:
 * queries over all keys fan out to every instance of the application ({@code ?scope=local} asks one instance for its
 * own stores only) and single-key queries are forwarded to the instance that owns the key.
 *
 * <ul>
 *   <li>{@code GET /api/v1/models}: every model version with its roll-ups per suite and split
 *   <li>{@code GET /api/v1/models/{version}/bounds}: the roll-ups of one version (404 if unknown)
 *   <li>{@code GET /api/v1/models/{version}/prompts/{promptId}}: latest emitted bounds of every request for the prompt
 *   <li>{@code GET /api/v1/requests/{requestId}}: live bounds of one request, from its owner; {@code status} is
 *       {@code REJECTED}, with {@code rejectionReason} and {@code rejectionMessage}, when a worker refused it
 *   <li>{@code GET /api/v1/models/{version}/prompts}: latest emitted bounds of every request of the version
 *   <li>{@code GET /api/v1/events}: server-sent events for the dashboard, one {@code bounds} event whenever a
 *       version's roll-ups change (see {@link DashboardEvents})
 *   <li>{@code GET /metrics}: Prometheus text format
 *   <li>{@code GET /health/live}, {@code GET /health/ready} and {@code GET /health} (alias of ready): see
 *   {@link Health}; 200 or 503 with the state's name, from the supplier given to {@link #health}
 *   <li>{@code GET /}: the live dashboard page, with its script and style under {@code /dashboard/} and uPlot under
 *       {@code /webjars/} (both from the classpath)
 * </ul>
 * Path segments are URL-decoded, so a model version containing '/' is passed as %2F. Every error is
 * {@code {"error":"message"}} as {@code application/json}: 404 unknown path or key, 405 any method but GET, 406 an
 * events request that does not accept {@code text/event-stream}, 502 an instance that did not answer a forwarded
 * query, 503 while starting or rebalancing, when the query pool and its queue are full (with {@code Retry-After}) or
 * when the most event streams are open, 500 anything else.
 *
 * <p>Queries ({@code /api/v1/...} but the event stream) run on a bounded pool of their own, {@code queryThreads}
 * threads with {@code queryQueue} waiting, so however many slow queries are in flight the server's own threads stay
 * free for {@code /health/*}, {@code /metrics} and the page. The {@code scope=local} reads that other instances ask
 * for run on a second pool of the same size: two instances busy with each other's fan-outs then never wait for a
 * thread the other's waiting query holds.
 */
public final class AggregatorHttpServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String LOCAL_QUERY = "?scope=local";

    private final WebServer http;
    private final HttpClient client;
    private final PrometheusMeterRegistry prometheus;
    private volatile InteractiveQueries queries;
    private volatile HostInfo self;
    private volatile String state = "STARTING";
    private volatile Supplier<Health> health = this::fromStateOnly;
    private final DashboardEvents events;
    private final ThreadPoolExecutor queryPool;
    private final ThreadPoolExecutor peerPool;

    /** Default interval at which the dashboard's event stream diffs the roll-up stores. */
    public static final long DEFAULT_DASHBOARD_POLL_MS = 500;

    /** Binds {@code host:port} (0 picks a free port) and starts serving; queries answer 503 until {@link #attach}. */
    public AggregatorHttpServer(String host, int port, PrometheusMeterRegistry prometheus) {
        this(host, port, prometheus, DEFAULT_DASHBOARD_POLL_MS);
    }

    /**
     * As {@link #AggregatorHttpServer(String, int, PrometheusMeterRegistry)}, the dashboard's event stream diffing the
     * roll-up stores every {@code dashboardPollMs} while a page is open.
     */
    public AggregatorHttpServer(String host, int port, PrometheusMeterRegistry prometheus, long dashboardPollMs) {
        this(
                host,
                port,
                prometheus,
                dashboardPollMs,
                AggregatorConfig.DEFAULT_MAX_EVENT_SUBSCRIBERS,
                AggregatorConfig.DEFAULT_QUERY_THREADS,
                AggregatorConfig.DEFAULT_QUERY_QUEUE);
    }

    /**
     * As {@link #AggregatorHttpServer(String, int, PrometheusMeterRegistry, long)}, with at most
     * {@code maxEventSubscribers} event streams open and queries on {@code queryThreads} threads with
     * {@code queryQueue} waiting (the config's {@code maxEventSubscribers}, {@code queryThreads}, {@code queryQueue},
     * which also check their ranges).
     */
    public AggregatorHttpServer(
            String host,
            int port,
            PrometheusMeterRegistry prometheus,
            long dashboardPollMs,
            int maxEventSubscribers,
            int queryThreads,
            int queryQueue) {
        this(
                host,
                port,
                prometheus,
                dashboardPollMs,
                maxEventSubscribers,
                queryThreads,
                queryQueue,
                DashboardEvents.HEARTBEAT_MS);
    }

    /** Tests: a short heartbeat notices closed event streams sooner. */
    AggregatorHttpServer(
            String host,
            int port,
            PrometheusMeterRegistry prometheus,
            long dashboardPollMs,
            int maxEventSubscribers,
            int queryThreads,
            int queryQueue,
            long heartbeatMs) {
        this.prometheus = prometheus;
        this.events = new DashboardEvents(JSON, this::allRollups, dashboardPollMs, maxEventSubscribers, heartbeatMs);
        this.queryPool = pool("probeval-aggregator-query", queryThreads, queryQueue);
        this.peerPool = pool("probeval-aggregator-peer-query", queryThreads, queryQueue);
        this.client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.http = WebServer.builder("aggregator")
                .host(host)
                .port(port)
                .jsonMapper(JSON)
                .errorShape(ErrorShape.MESSAGE)
                .mapException(
                        InvalidStateStoreException.class,
                        e -> new HttpError(
                                503,
                                "state stores not queryable right now (rebalancing or restoring): " + e.getMessage()))
                .routes(this::routes)
                .configure(cfg -> {
                    cfg.staticFiles.enableWebjars();
                    cfg.staticFiles.add(sf -> {
                        sf.hostedPath = "/dashboard";
                        sf.directory = "/dev/probeval/aggregator/rest/dashboard";
                        sf.location = Location.CLASSPATH;
                    });
                })
                .start();
    }

    private static ThreadPoolExecutor pool(String name, int threads, int queue) {
        BlockingQueue<Runnable> q = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor p = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                q,
                r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** Connects the server to the running Streams instance (or a fake in tests), advertised as {@code self}. */
    public void attach(InteractiveQueries queries, HostInfo self) {
        this.queries = queries;
        this.self = self;
    }

    /** The Streams state, what the health routes show until {@link #health} gives them a fuller answer. */
    public void state(String state) {
        this.state = state;
    }

    /** Where the health routes get their answer from (the aggregator passes {@code AggregatorHealth::current}). */
    public void health(Supplier<Health> health) {
        this.health = java.util.Objects.requireNonNull(health, "health");
    }

    private Health fromStateOnly() {
        String s = state;
        Map<String, Object> d = Map.of("streamsState", s);
        if (s.equals("RUNNING")) {
            return Health.ready(s, d);
        }
        return s.equals("ERROR") || s.equals("NOT_RUNNING") ? Health.dead(s, d) : Health.notReady(s, d);
    }

    /** The bound port (the ephemeral one when started with port 0). */
    public int port() {
        return http.port();
    }

    private void routes(RoutesConfig r) {
        // Read-only API: every other method is refused before routing, whatever the path.
        r.before(ctx -> {
            if (ctx.method() != HandlerType.GET) {
                throw new HttpError(405, "read-only API: only GET is supported");
            }
        });
        r.get("/", this::dashboard);
        r.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TYPE).result(prometheus.scrape()));
        Health.addRoutes(r, () -> health.get());
        r.get("/api/v1/models", query(ctx -> models(ctx, queries(), local(ctx))));
        r.get(
                "/api/v1/models/{version}/bounds",
                query(ctx -> modelBounds(ctx, queries(), ctx.pathParam("version"), local(ctx))));
        r.get(
                "/api/v1/models/{version}/prompts/{promptId}",
                query(ctx -> prompts(ctx, queries(), ctx.pathParam("version"), ctx.pathParam("promptId"), local(ctx))));
        r.get(
                "/api/v1/models/{version}/prompts",
                query(ctx -> versionPrompts(ctx, queries(), ctx.pathParam("version"), local(ctx))));
        r.get("/api/v1/events", this::events);
        r.get(
                "/api/v1/requests/{requestId}",
                query(ctx -> request(ctx, queries(), ctx.pathParam("requestId"), local(ctx))));
    }

    /**
     * Runs {@code handler} on the query pool (the peer pool for {@code scope=local}) while the request waits
     * asynchronously, holding none of the server's threads; 503 with {@code Retry-After} when the pool and its queue
     * are full.
     */
    private Handler query(Handler handler) {
        return ctx -> {
            ThreadPoolExecutor pool = local(ctx) ? peerPool : queryPool;
            CompletableFuture<Void> done = new CompletableFuture<>();
            try {
                pool.execute(() -> {
                    try {
                        handler.handle(ctx);
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
            } catch (RejectedExecutionException e) {
                ctx.header("Retry-After", "1");
                throw new HttpError(
                        503,
                        "too many queries in flight (" + pool.getMaximumPoolSize() + " running, "
                                + pool.getQueue().size() + " waiting); retry later");
            }
            ctx.future(() -> done);
        };
    }

    /** The event stream: 406 unless the client accepts it, 503 beyond the most open streams, else the SSE handler. */
    private void events(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new HttpError(406, "this endpoint streams server-sent events: send Accept: text/event-stream");
        }
        DashboardEvents.Slot slot = events.reserve();
        try {
            new SseHandler(0, client -> events.connect(client, slot)).handle(ctx);
        } catch (RuntimeException | Error e) {
            slot.release();
            throw e;
        }
    }

    private InteractiveQueries queries() {
        InteractiveQueries q = queries;
        if (q == null) {
            throw new HttpError(503, "the aggregator is starting");
        }
        return q;
    }

    /** {@code scope=local}: this instance's stores only (what instances ask each other). */
    private static boolean local(Context ctx) {
        return "local".equals(ctx.queryParam("scope"));
    }

    private void models(Context ctx, InteractiveQueries q, boolean local) {
        List<Map<String, Object>> all = gather(
                q,
                local,
                "/api/v1/models",
                "groups",
                () -> q.localModelBounds().stream().map(AvroJson::toMap).toList());
        if (local) {
            ctx.json(Map.of("groups", all));
            return;
        }
        Map<String, List<Map<String, Object>>> byVersion = new TreeMap<>();
        for (Map<String, Object> g : all) {
            byVersion
                    .computeIfAbsent((String) g.get("modelVersion"), k -> new ArrayList<>())
                    .add(g);
        }
        List<Map<String, Object>> models = new ArrayList<>();
        byVersion.forEach((v, groups) -> {
            groups.sort(BY_SUITE_AND_SPLIT);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("modelVersion", v);
            m.put("groups", groups);
            models.add(m);
        });
        ctx.json(Map.of("models", models));
    }

    private void modelBounds(Context ctx, InteractiveQueries q, String version, boolean local) {
        List<Map<String, Object>> all = new ArrayList<>(gather(
                q,
                local,
                "/api/v1/models/" + enc(version) + "/bounds",
                "groups",
                () -> q.localModelBounds(version).stream().map(AvroJson::toMap).toList()));
        if (!local && all.isEmpty()) {
            throw new HttpError(404, "no bounds for model version " + Texts.clip(version));
        }
        all.sort(BY_SUITE_AND_SPLIT);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelVersion", version);
        m.put("groups", all);
        ctx.json(m);
    }

    /** Every roll-up of every instance (what the event stream diffs); throws while the stores are not queryable. */
    private List<Map<String, Object>> allRollups() {
        InteractiveQueries q = queries();
        return gather(
                q,
                false,
                "/api/v1/models",
                "groups",
                () -> q.localModelBounds().stream().map(AvroJson::toMap).toList());
    }

    private void versionPrompts(Context ctx, InteractiveQueries q, String version, boolean local) {
        List<Map<String, Object>> all = new ArrayList<>(gather(
                q,
                local,
                "/api/v1/models/" + enc(version) + "/prompts",
                "prompts",
                () -> q.localVersionPrompts(version).stream()
                        .map(AvroJson::toMap)
                        .toList()));
        if (!local && all.isEmpty()) {
            throw new HttpError(404, "no bounds for model version " + Texts.clip(version));
        }
        all.sort(Comparator.comparing((Map<String, Object> g) -> (String) g.get("suite"))
                .thenComparing(g -> (String) g.get("split"))
                .thenComparing(g -> (String) g.get("promptId"))
                .thenComparing(g -> (String) g.get("requestId")));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelVersion", version);
        m.put("prompts", all);
        ctx.json(m);
    }

    private void prompts(Context ctx, InteractiveQueries q, String version, String promptId, boolean local) {
        List<Map<String, Object>> all = new ArrayList<>(gather(
                q,
                local,
                "/api/v1/models/" + enc(version) + "/prompts/" + enc(promptId),
                "prompts",
                () -> q.localPromptBounds(version, promptId).stream()
                        .map(AvroJson::toMap)
                        .toList()));
        if (!local && all.isEmpty()) {
            throw new HttpError(
                    404, "no bounds for prompt " + Texts.clip(promptId) + " of model version " + Texts.clip(version));
        }
        all.sort(Comparator.comparing(g -> (String) g.get("requestId")));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelVersion", version);
        m.put("promptId", promptId);
        m.put("prompts", all);
        ctx.json(m);
    }

    private void request(Context ctx, InteractiveQueries q, String requestId, boolean local) {
        Optional<HostInfo> owner = q.ownerOfRequest(requestId);
        if (owner.isEmpty()) {
            throw new HttpError(
                    503, "the owner of request " + Texts.clip(requestId) + " is not known right now (rebalancing)");
        }
        if (!local && !owner.get().equals(self)) {
            forward(ctx, owner.get(), "/api/v1/requests/" + enc(requestId) + LOCAL_QUERY);
            return;
        }
        Optional<PromptBounds> pb = q.localRequestBounds(requestId, System.currentTimeMillis());
        Map<String, Object> body =
                AvroJson.toMap(pb.orElseThrow(() -> new HttpError(404, "unknown request " + Texts.clip(requestId))));
        q.localRequestRejection(requestId).ifPresent(r -> {
            // terminal: a worker refused the request, no sample will come; pollers stop here
            body.put("status", "REJECTED");
            body.put("rejectionReason", r.reasonCode());
            body.put("rejectionMessage", r.message());
        });
        ctx.json(body);
    }

    /** Relays the owner's answer (status and body) unchanged. */
    private void forward(Context ctx, HostInfo host, String pathAndQuery) {
        try {
            HttpResponse<byte[]> resp = client.send(
                    HttpRequest.newBuilder(url(host, pathAndQuery))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            ctx.status(resp.statusCode()).contentType(JSON_TYPE).result(resp.body());
        } catch (IOException e) {
            throw new HttpError(502, "instance " + host + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        }
    }

    /** This instance's answer, plus (unless {@code local}) every other instance's {@code field} list. */
    private List<Map<String, Object>> gather(
            InteractiveQueries q,
            boolean local,
            String path,
            String field,
            Supplier<List<Map<String, Object>>> localQuery) {
        List<Map<String, Object>> all = new ArrayList<>(localQuery.get());
        if (local) {
            return all;
        }
        for (HostInfo h : q.allInstances()) {
            if (h.equals(self)) {
                continue;
            }
            try {
                HttpResponse<byte[]> resp = client.send(
                        HttpRequest.newBuilder(url(h, path + LOCAL_QUERY))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() != 200) {
                    throw new InvalidStateStoreException("instance " + h + " answered " + resp.statusCode());
                }
                JsonNode node = JSON.readTree(resp.body()).get(field);
                for (JsonNode n : node) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = JSON.convertValue(n, LinkedHashMap.class);
                    all.add(m);
                }
            } catch (IOException e) {
                throw new InvalidStateStoreException("instance " + h + " did not answer: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvalidStateStoreException("interrupted");
            }
        }
        return all;
    }

    private static final Comparator<Map<String, Object>> BY_SUITE_AND_SPLIT = Comparator.comparing(
                    (Map<String, Object> g) -> (String) g.get("suite"))
            .thenComparing(g -> (String) g.get("split"));

    private static URI url(HostInfo h, String pathAndQuery) {
        return URI.create("http://" + h.host() + ":" + h.port() + pathAndQuery);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void dashboard(Context ctx) {
        try (InputStream in = AggregatorHttpServer.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new HttpError(404, "dashboard page not packaged");
            }
            ctx.contentType("text/html; charset=utf-8").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Queries waiting for a query thread (for tests). */
    int queriesWaiting() {
        return queryPool.getQueue().size();
    }

    /** Event-stream slots held (for tests). */
    int eventSlotsHeld() {
        return events.reservedCount();
    }

    /** Stops serving; requests in flight may finish first (see {@link WebServer#close()}). */
    @Override
    public void close() {
        events.close();
        http.close();
        queryPool.shutdownNow();
        peerPool.shutdownNow();
    }
}
