package dev.probeval.http;

import io.javalin.config.RoutesConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One answer of a service to "are you alive, are you ready": the name of the state it is in (for example
 * {@code RUNNING}, {@code RESTORING}, {@code BROKER_UNREACHABLE}), whether the process is alive (a liveness probe that
 * fails should restart it), whether it is ready (a readiness probe that fails takes it out of rotation but leaves it
 * running), and details that say why (JSON-serialisable values).
 *
 * <p>{@link #addRoutes} serves one such answer on {@code GET /health/live} (200 if alive, else 503),
 * {@code GET /health/ready} (200 if ready, else 503) and {@code GET /health} (an alias of {@code /health/ready}), each
 * with the body {@code {"state":..., "live":..., "ready":..., "details":{...}}}.
 */
public final class Health {
    private final String state;
    private final boolean live;
    private final boolean ready;
    private final Map<String, Object> details;

    private Health(String state, boolean live, boolean ready, Map<String, Object> details) {
        if (state == null || state.isBlank()) {
            throw new IllegalArgumentException("a health state needs a name");
        }
        if (ready && !live) {
            throw new IllegalArgumentException("a service that is not live cannot be ready (state " + state + ")");
        }
        this.state = state;
        this.live = live;
        this.ready = ready;
        this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** Alive and ready to serve, in state {@code state}. */
    public static Health ready(String state, Map<String, Object> details) {
        return new Health(state, true, true, details);
    }

    /** Alive but not (yet, or not right now) ready: starting, restoring, waiting for the broker, ... */
    public static Health notReady(String state, Map<String, Object> details) {
        return new Health(state, true, false, details);
    }

    /** Neither alive nor ready: failed for good, restarting the process is what helps. */
    public static Health dead(String state, Map<String, Object> details) {
        return new Health(state, false, false, details);
    }

    public String state() {
        return state;
    }

    public boolean live() {
        return live;
    }

    public boolean ready() {
        return ready;
    }

    /** Why the service is in this state (read-only; insertion order kept). */
    public Map<String, Object> details() {
        return details;
    }

    /** The JSON body of every health route. */
    public Map<String, Object> body() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("live", live);
        m.put("ready", ready);
        m.put("details", details);
        return m;
    }

    /**
     * Adds {@code GET /health/live}, {@code GET /health/ready} and {@code GET /health} (alias of ready) answering from
     * {@code current}, which is asked once per request and must be quick (cache slow probes behind it).
     */
    public static void addRoutes(RoutesConfig r, Supplier<Health> current) {
        Objects.requireNonNull(current, "current");
        r.get("/health/live", ctx -> {
            Health h = current.get();
            ctx.status(h.live ? 200 : 503).json(h.body());
        });
        r.get("/health/ready", ctx -> {
            Health h = current.get();
            ctx.status(h.ready ? 200 : 503).json(h.body());
        });
        r.get("/health", ctx -> {
            Health h = current.get();
            ctx.status(h.ready ? 200 : 503).json(h.body());
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Health h
                && h.state.equals(state)
                && h.live == live
                && h.ready == ready
                && h.details.equals(details);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, live, ready, details);
    }

    @Override
    public String toString() {
        return "Health" + body();
    }
}
