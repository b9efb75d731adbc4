package dev.probeval.aggregator.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.http.HttpError;
import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's server-sent events ({@code GET /api/v1/events}), by a periodic diff of the interactive-query
 * stores: while at least one browser is connected, one daemon thread reads every model-version roll-up (all
 * instances, as {@code /api/v1/models} does) every {@code pollMs}, reduces each version to a fingerprint (suite,
 * split, prompts seen and FINAL, and the roll-up's {@code updatedAt}), and when a version's fingerprint differs
 * from the last poll it sends one {@code bounds} event to every client:
 * {@code {"seq":7,"changed":["v7"],"versions":["base","v7"]}}. The page then re-reads that version's roll-ups and
 * prompt table over the REST API, so the event carries no numbers of its own and the page shows exactly what the
 * API returns.
 *
 * <p>Every prompt-bound emission updates its roll-up (the roll-up processor recomputes the group on each entry, or
 * at its next punctuation), so the roll-up's {@code updatedAt} is enough to notice a prompt's new bound too; a
 * change reaches the page at most {@code pollMs} after it is in the store. Polling the stores, rather than tailing
 * the output topics with another consumer or hooking the topology, keeps the stream processing untouched and costs
 * nothing when no page is open.
 *
 * <p>A new client first gets a {@code hello} event with the same shape ({@code changed} = every version) so it
 * can render at once; a comment line every ~15 s keeps idle connections open through proxies and lets the server
 * notice closed ones.
 *
 * <p>At most {@code maxSubscribers} streams are open at once: a stream holds a slot ({@link #reserve}) from before its
 * response starts until it ends, whichever way it ends (the browser leaves, a write fails, the server closes), and a
 * request beyond the cap is answered 503 before any event-stream header is sent.
 */
final class DashboardEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardEvents.class);
    /** Default interval of the keep-alive comment, which is also how soon a silently closed stream is noticed. */
    static final long HEARTBEAT_MS = 15_000;

    private final ObjectMapper json;
    private final Supplier<List<Map<String, Object>>> rollups;
    private final List<SseClient> clients = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final AtomicLong seq = new AtomicLong();
    private final int maxSubscribers;
    private final long heartbeatMs;
    private final AtomicInteger reserved = new AtomicInteger();
    private Map<String, String> last = Map.of();
    private long lastBeat = System.currentTimeMillis();

    /**
     * @param rollups every roll-up as the REST API renders it (maps with modelVersion, suite, split, ...); may throw
     *     while the stores are not queryable, the poll is then retried at the next tick
     */
    DashboardEvents(
            ObjectMapper json,
            Supplier<List<Map<String, Object>>> rollups,
            long pollMs,
            int maxSubscribers,
            long heartbeatMs) {
        if (pollMs < 1) {
            throw new IllegalArgumentException("dashboard poll interval must be >= 1 ms, got " + pollMs);
        }
        if (maxSubscribers < 1 || heartbeatMs < 1) {
            throw new IllegalArgumentException(
                    "max subscribers and heartbeat must be >= 1, got " + maxSubscribers + ", " + heartbeatMs);
        }
        this.json = json;
        this.rollups = rollups;
        this.maxSubscribers = maxSubscribers;
        this.heartbeatMs = heartbeatMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "probeval-dashboard-events");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, pollMs, pollMs, TimeUnit.MILLISECONDS);
    }

    /** One subscriber's place under the cap; released once, by whichever end of the stream comes first. */
    final class Slot {
        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                reserved.decrementAndGet();
            }
        }
    }

    /** Takes a subscriber slot, or throws a 503 {@link HttpError} when {@code maxSubscribers} streams are open. */
    Slot reserve() {
        if (reserved.incrementAndGet() > maxSubscribers) {
            reserved.decrementAndGet();
            throw new HttpError(
                    503,
                    "too many dashboard event streams open (at most " + maxSubscribers + "); close one or retry later");
        }
        return new Slot();
    }

    /**
     * The SSE handler: registers the client, which keeps its request open (asynchronously, no thread held) until it
     * disconnects; the client's slot is released when it closes.
     */
    void connect(SseClient client, Slot slot) {
        client.onClose(() -> {
            clients.remove(client);
            slot.release();
        });
        client.keepAlive();
        Map<String, String> now;
        try {
            now = fingerprints();
        } catch (RuntimeException e) {
            now = Map.of(); // not queryable yet: the first successful poll will announce every version
        }
        send(client, "hello", event(now.keySet(), now.keySet()));
        if (!client.terminated()) {
            clients.add(client); // (one that ends right after this check is noticed, and dropped, at its next write)
        }
    }

    /** Slots held: streams open or being opened (for tests). */
    int reservedCount() {
        return reserved.get();
    }

    private void tick() {
        try {
            if (clients.isEmpty()) {
                last = Map.of();
                return;
            }
            Map<String, String> now = fingerprints();
            Set<String> changed = new TreeSet<>();
            for (Map.Entry<String, String> e : now.entrySet()) {
                if (!e.getValue().equals(last.get(e.getKey()))) {
                    changed.add(e.getKey());
                }
            }
            for (String v : last.keySet()) {
                if (!now.containsKey(v)) {
                    changed.add(v);
                }
            }
            last = now;
            long t = System.currentTimeMillis();
            if (!changed.isEmpty()) {
                // (the first poll after a connect repeats what hello said: harmless, the page just re-reads)
                String data = event(changed, now.keySet());
                clients.forEach(c -> send(c, "bounds", data));
                lastBeat = t;
            } else if (t - lastBeat >= heartbeatMs) {
                clients.forEach(c -> {
                    try {
                        c.sendComment("heartbeat");
                    } catch (RuntimeException e) {
                        drop(c);
                    }
                });
                lastBeat = t;
            }
        } catch (RuntimeException e) {
            LOG.debug("dashboard poll skipped: {}", e.toString());
        }
    }

    /** modelVersion → its roll-ups' suite, split, counts and updatedAt, in a stable order. */
    private Map<String, String> fingerprints() {
        Map<String, TreeMap<String, String>> byVersion = new TreeMap<>();
        for (Map<String, Object> g : rollups.get()) {
            String group = g.get("suite") + "|" + g.get("split");
            String value = g.get("promptsSeen") + "|" + g.get("promptsFinal") + "|" + g.get("updatedAt");
            byVersion
                    .computeIfAbsent(Objects.toString(g.get("modelVersion")), k -> new TreeMap<>())
                    .put(group, value);
        }
        Map<String, String> out = new LinkedHashMap<>();
        byVersion.forEach((v, groups) -> out.put(v, groups.toString()));
        return out;
    }

    private String event(Set<String> changed, Set<String> versions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq.incrementAndGet());
        m.put("changed", new ArrayList<>(changed));
        m.put("versions", new ArrayList<>(versions));
        try {
            return json.writeValueAsString(m);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private void send(SseClient client, String event, String data) {
        if (client.terminated()) {
            drop(client);
            return;
        }
        try {
            client.sendEvent(event, data);
        } catch (RuntimeException e) {
            drop(client);
        }
    }

    /**
     * Forgets a client that failed or went away. Closing it (idempotent) runs its onClose, which releases its slot, and
     * ends its request, which would otherwise stay open with nobody writing to it.
     */
    private void drop(SseClient client) {
        clients.remove(client);
        try {
            client.close();
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    /** Stops polling and closes every open stream. */
    @Override
    public void close() {
        timer.shutdownNow();
        clients.forEach(this::drop);
        clients.clear();
    }
}
