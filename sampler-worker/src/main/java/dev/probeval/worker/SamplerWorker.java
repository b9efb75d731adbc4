package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.kafka.AdminBrokerProbe;
import dev.probeval.serde.AvroClassSecurity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sampler worker: a consumer-group member that turns each {@link EvalRequest} into scored samples, exactly once.
 *
 * <p>Read-process-write in chunks. A request of n samples is split by {@link ChunkPlan}; for each chunk the worker
 * draws the samples (the greedy baseline rides in the first chunk), scores them, and in one Kafka transaction
 * produces their {@link ScoredSample}s and commits the request's consumer offset ({@code sendOffsetsToTransaction}
 * with the group's metadata, so a worker that lost the partition in a rebalance is fenced). While the request is
 * unfinished the committed offset stays on the request with {@link Progress} metadata naming the next sample index;
 * the last chunk commits the offset after it. A worker that crashes, is stopped, or loses the partition leaves
 * exactly the committed chunks behind, and whoever reads the partition next resumes after them. Sample ids and seeds
 * are functions of (request id, index), so a re-drawn sample is identical and the aggregator counts it once.
 *
 * <p>Polling between chunks keeps the member alive however long a request is: partitions are paused while work is
 * queued, so {@code poll} returns at once and only proves liveness. Bad requests become dead letters in the same kind
 * of transaction (dead letter + offset), so nothing is lost and nothing stops the worker.
 *
 * <p>The pieces, each package-private: {@link WorkerClients} (clients from one set of connection properties),
 * {@link WorkerLoop} (poll loop and error handling), {@link Admission} (deserialize, validate, open the model),
 * {@link ChunkRunner} (the chunk's transaction), {@link Recovery} (progress from the committed offsets) and
 * {@link RebalanceHandler}. This class wires them, runs the loop on its own thread and shuts down.
 */
public final class SamplerWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerWorker.class);

    private final WorkerConfig config;
    private final MeterRegistry meterRegistry;
    private final WorkerMetrics metrics;
    private final ModelCache models;
    private final WorkerSerdes serdes;
    private final WorkerClients clients;
    private final WorkerLoop loop;
    private final MetricsServer metricsServer;
    private final AdminBrokerProbe probe;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean running;
    private volatile Throwable failure;

    private SamplerWorker(
            WorkerConfig config,
            MeterRegistry meterRegistry,
            ChunkListener listener,
            KafkaClientFactory clientFactory,
            WorkerSerdes serdes) {
        this.config = config;
        AvroClassSecurity.trustProbevalClasses();
        this.meterRegistry =
                meterRegistry != null ? meterRegistry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new WorkerMetrics(this.meterRegistry);
        this.models = new ModelCache(config.catalog(), config.backendFactory(), this.meterRegistry);
        if (config.metricsPort() >= 0 && !(this.meterRegistry instanceof PrometheusMeterRegistry)) {
            throw new IllegalArgumentException("a metrics endpoint needs a PrometheusMeterRegistry");
        }
        this.serdes = serdes;
        try {
            this.clients = WorkerClients.open(config, clientFactory, this.meterRegistry);
        } catch (RuntimeException e) {
            WorkerClients.Closing.quietly(serdes.resources()::close);
            throw e;
        }
        this.loop = new WorkerLoop(config, clients.consumer, clients.producer, serdes, models, metrics, listener);
        MetricsServer server = null;
        AdminBrokerProbe brokerProbe = null;
        if (config.metricsPort() >= 0) {
            try {
                brokerProbe = new AdminBrokerProbe(WorkerClients.adminProps(config));
                WorkerHealth health =
                        new WorkerHealth(healthSignals(), brokerProbe, WorkerHealth.STALL_AFTER, config.stuckAfter());
                server = new MetricsServer(
                        config.metricsHost(),
                        config.metricsPort(),
                        (PrometheusMeterRegistry) this.meterRegistry,
                        health::current);
            } catch (RuntimeException e) {
                if (brokerProbe != null) {
                    brokerProbe.close();
                }
                clients.close(true);
                WorkerClients.Closing.quietly(serdes.resources()::close);
                throw e;
            }
        }
        this.metricsServer = server;
        this.probe = brokerProbe;
        this.thread = new Thread(this::runLoop, "probeval-worker-" + config.workerId());
    }

    private WorkerHealth.Signals healthSignals() {
        return new WorkerHealth.Signals() {
            @Override
            public boolean stopped() {
                return stopped.getCount() == 0;
            }

            @Override
            public Throwable failure() {
                return failure;
            }

            @Override
            public String phase() {
                return loop.phase();
            }

            @Override
            public int assignedPartitions() {
                return loop.assignedPartitions();
            }

            @Override
            public long nanosSinceLastPoll() {
                return loop.nanosSinceLastPoll();
            }

            @Override
            public long nanosRetrying() {
                return loop.nanosRetrying();
            }
        };
    }

    /** Starts a worker on its own thread, with a Prometheus registry of its own. */
    public static SamplerWorker start(WorkerConfig config) {
        return start(config, null, ChunkListener.NONE);
    }

    /** Starts a worker whose meters go to {@code meterRegistry}. */
    public static SamplerWorker start(WorkerConfig config, MeterRegistry meterRegistry) {
        return start(config, meterRegistry, ChunkListener.NONE);
    }

    static SamplerWorker start(WorkerConfig config, MeterRegistry meterRegistry, ChunkListener listener) {
        return start(config, meterRegistry, listener, KafkaClientFactory.KAFKA, WorkerSerdes.fromConfig(config));
    }

    /** Starts a worker on the given clients and serdes (unit tests: mock clients, no registry). */
    static SamplerWorker start(
            WorkerConfig config,
            MeterRegistry meterRegistry,
            ChunkListener listener,
            KafkaClientFactory clientFactory,
            WorkerSerdes serdes) {
        SamplerWorker w = new SamplerWorker(config, meterRegistry, listener, clientFactory, serdes);
        w.running = true;
        w.thread.start();
        return w;
    }

    public WorkerConfig config() {
        return config;
    }

    public WorkerMetrics metrics() {
        return metrics;
    }

    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** Port of the Prometheus endpoint, or -1 when there is none. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** True until the worker stopped (closed, or failed: see {@link #failure()}). */
    public boolean isRunning() {
        return running;
    }

    /** The error that stopped the worker, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Waits until the worker's thread has stopped; true if it did within the timeout. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Completes when the worker has stopped and closed its clients: normally after {@link #close()}, exceptionally
     * with the error that ended its loop for good (a fatal Kafka error such as a producer fenced by a newer instance
     * with the same worker id, an authorization failure, or any unexpected error). Each call returns a new future, so
     * completing it does not affect the worker.
     */
    public CompletableFuture<Void> terminated() {
        CompletableFuture<Void> view = new CompletableFuture<>();
        terminated.whenComplete((v, e) -> {
            if (e != null) {
                view.completeExceptionally(e);
            } else {
                view.complete(null);
            }
        });
        return view;
    }

    private void runLoop() {
        boolean crashed = false;
        try {
            loop.start();
            loop.runUntilStopped();
        } catch (Throwable t) {
            crashed = true;
            failure = t;
            LOG.error("Sampler worker {} stopped on an error: {}", config.workerId(), LogText.message(t.toString()), t);
        } finally {
            shutdown(crashed);
        }
    }

    private void shutdown(boolean crashed) {
        try {
            if (!crashed) {
                WorkerClients.Closing.quietly(loop::abortOpenTransaction);
            }
            // A crash is like a killed process: no abort, no commit. The open transaction (if any) is aborted when a
            // worker with the same id starts, or by the broker after transaction.timeout.ms.
            clients.close(crashed);
            if (loop.abandonedDrawRunning()) {
                // Closing a model under a draw that still runs in it could crash the process (native code); the process
                // is
                // going away, and the drawing thread is a daemon.
                LOG.warn(
                        "Sampler worker {}: a draw abandoned at shutdown is still running; its model is left open",
                        config.workerId());
            } else {
                WorkerClients.Closing.quietly(models::close);
            }
            WorkerClients.Closing.quietly(loop::closeDrawing);
            WorkerClients.Closing.quietly(serdes.resources()::close);
            if (metricsServer != null) {
                WorkerClients.Closing.quietly(metricsServer::close);
            }
            if (probe != null) {
                WorkerClients.Closing.quietly(probe::close);
            }
        } finally {
            running = false;
            stopped.countDown();
            LOG.info("Sampler worker {} stopped", config.workerId());
            if (failure != null) {
                terminated.completeExceptionally(failure);
            } else {
                terminated.complete(null);
            }
        }
    }

    /**
     * Stops the worker and closes everything, within {@link WorkerConfig#shutdownTimeout()}. The chunk being drawn gets
     * half of it to finish, and then commits; a draw that takes longer (a backend that never returns) is abandoned,
     * nothing of it committed, and its request resumes before it when the partition is read again. If the worker's
     * thread is still busy after three quarters of the timeout (blocked in a Kafka call), it is interrupted; after the
     * whole timeout this returns regardless (its threads cannot keep a stopping JVM alive).
     */
    @Override
    public void close() {
        loop.requestStop();
        if (Thread.currentThread() != thread) {
            clients.consumer.wakeup();
            long timeout = config.shutdownTimeout().toMillis();
            try {
                if (!stopped.await(timeout * 3 / 4, TimeUnit.MILLISECONDS)) {
                    LOG.warn(
                            "Sampler worker {} still busy {} ms into its shutdown; interrupting it",
                            config.workerId(),
                            timeout * 3 / 4);
                    thread.interrupt();
                    if (!stopped.await(timeout - timeout * 3 / 4, TimeUnit.MILLISECONDS)) {
                        LOG.warn(
                                "Sampler worker {} did not stop within its shutdown timeout of {} ms; leaving it",
                                config.workerId(),
                                timeout);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
