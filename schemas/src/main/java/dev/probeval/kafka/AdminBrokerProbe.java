package dev.probeval.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;

/**
 * A {@link BrokerProbe} on a Kafka {@link Admin} client: lists the topics with a short timeout (default 2 s), so a
 * health request never hangs on a broker that is down, and keeps each answer for a short while (default 1 s) so that
 * frequent probes do not each reach the broker. The Admin client is created lazily, from the given connection
 * properties (the same security settings as the service's other clients), with short request timeouts.
 */
public final class AdminBrokerProbe implements BrokerProbe {
    /** Default longest wait of one probe. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Default time an answer is reused. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);

    private final Map<String, Object> adminProps;
    private final Duration timeout;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    private Admin admin;
    private Result last;
    private long lastAt;
    private boolean closed;

    /** A probe with the default timeout and cache age. */
    public AdminBrokerProbe(Map<String, Object> adminProps) {
        this(adminProps, DEFAULT_TIMEOUT, DEFAULT_MAX_AGE);
    }

    public AdminBrokerProbe(Map<String, Object> adminProps, Duration timeout, Duration maxAge) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe timeout must be > 0, got " + timeout);
        }
        Map<String, Object> p = new HashMap<>(adminProps);
        int ms = (int) Math.max(1, timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "probeval-health-probe");
        this.adminProps = p;
        this.timeout = timeout;
        this.maxAgeNanos = maxAge.toNanos();
        this.clock = System::nanoTime;
    }

    @Override
    public synchronized Result probe() {
        long now = clock.getAsLong();
        if (last != null && now - lastAt < maxAgeNanos) {
            return last;
        }
        last = probeNow();
        lastAt = clock.getAsLong();
        return last;
    }

    private Result probeNow() {
        if (closed) {
            return Result.unreachable("probe closed");
        }
        try {
            if (admin == null) {
                admin = Admin.create(adminProps);
            }
            Set<String> names = admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .names()
                    .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            return Result.reachable(names);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.unreachable("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return Result.unreachable(c.getClass().getSimpleName() + ": " + c.getMessage());
        } catch (TimeoutException e) {
            return Result.unreachable("no answer within " + timeout.toMillis() + " ms");
        } catch (RuntimeException e) {
            return Result.unreachable(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }
}
