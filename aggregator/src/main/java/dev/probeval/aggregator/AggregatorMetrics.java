package dev.probeval.aggregator;

import dev.probeval.avro.BoundsStatus;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.http.BoundedTagValues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator's own Micrometer meters (Kafka Streams' metrics are bound separately by {@link Aggregator}).
 * Thread-safe: every stream thread's processors share one instance.
 *
 * <p>Model versions, suites and splits come from requests, so the meters tagged by them are capped (see
 * {@link BoundedTagValues}): at most {@code maxModelVersions} values of {@code model_version} on the per-version
 * sample counter and at most {@code maxRollups} (model version, suite, split) roll-up gauge sets; beyond that samples
 * are counted under {@code model_version="_other"} and roll-ups write one shared {@code _other} gauge set, which then
 * only says that the cap was reached (its values are whichever overflowing roll-up came last).
 */
public final class AggregatorMetrics {
    private final MeterRegistry registry;
    private final Counter samplesCounted;
    private final Counter duplicates;
    private final Counter greedyCounted;
    private final Counter modelBoundsEmitted;
    private final Map<BoundsStatus, Counter> promptBoundsEmitted = new EnumMap<>(BoundsStatus.class);
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Timer emitLatency;
    private final AtomicLong earlyBuffered = new AtomicLong();
    private final Counter earlyReleased;
    private final Map<String, Counter> samplesByVersion = new ConcurrentHashMap<>();
    private final Map<String, double[]> rollups = new ConcurrentHashMap<>();
    private final BoundedTagValues versionTags;
    private final BoundedTagValues rollupTags;

    /** Roll-up gauges per model version, suite and split: meter name, description, index into the value array. */
    private static final String[][] ROLLUP_GAUGES = {
        {"probeval.aggregator.model.prompts.seen", "Prompts with at least one counted sample (last roll-up)"},
        {"probeval.aggregator.model.prompts.final", "Prompts whose bounds are FINAL (last roll-up)"},
        {"probeval.aggregator.model.prompts.below.target", "Prompts not yet at their target n: seen minus final"},
        {"probeval.aggregator.model.hidden.leaks", "Prompts whose hidden-leak flag is set (last roll-up)"},
        {"probeval.aggregator.model.mean.bound", "Mean per-prompt M_mu (last roll-up)"},
        {"probeval.aggregator.model.suite.bound", "Suite bound valid for all prompts at once (last roll-up)"},
        {"probeval.aggregator.model.bound.width", "Mean per-prompt M_mu minus the mean sample score (last roll-up)"},
        {"probeval.aggregator.model.max.m.bin", "Largest per-prompt M_bin (last roll-up)"},
    };

    /** Meters on {@code registry} with the default caps on client-chosen label values. */
    public AggregatorMetrics(MeterRegistry registry) {
        this(
                registry,
                AggregatorConfig.DEFAULT_METRICS_MAX_MODEL_VERSIONS,
                AggregatorConfig.DEFAULT_METRICS_MAX_ROLLUPS);
    }

    /**
     * Meters on {@code registry} keeping at most {@code maxModelVersions} model versions on the per-version counter and
     * {@code maxRollups} roll-up gauge sets (the config's {@code metricsMaxModelVersions} and {@code metricsMaxRollups}).
     */
    public AggregatorMetrics(MeterRegistry registry, int maxModelVersions, int maxRollups) {
        this.registry = registry;
        this.versionTags = new BoundedTagValues(maxModelVersions);
        this.rollupTags = new BoundedTagValues(maxRollups);
        this.samplesCounted = Counter.builder("probeval.aggregator.samples.counted")
                .description("Distinct sampled outputs counted into prompt bounds")
                .register(registry);
        this.greedyCounted = Counter.builder("probeval.aggregator.greedy.counted")
                .description("Greedy baselines recorded")
                .register(registry);
        this.duplicates = Counter.builder("probeval.aggregator.samples.duplicate")
                .description("Redelivered or re-produced samples dropped because their sample id was counted already")
                .register(registry);
        this.modelBoundsEmitted = Counter.builder("probeval.aggregator.model.bounds.emitted")
                .description("ModelVersionBounds records emitted")
                .register(registry);
        for (BoundsStatus s : BoundsStatus.values()) {
            promptBoundsEmitted.put(
                    s,
                    Counter.builder("probeval.aggregator.prompt.bounds.emitted")
                            .description("PromptBounds records emitted")
                            .tag("status", s.name())
                            .register(registry));
        }
        this.emitLatency = Timer.builder("probeval.aggregator.emit.latency")
                .description(
                        "From the producedAt of the sample that last changed a prompt to the emission of its bounds")
                .publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram(false)
                .distributionStatisticExpiry(Duration.ofMinutes(5))
                .register(registry);
        Gauge.builder("probeval.aggregator.early.samples.buffered", earlyBuffered, AtomicLong::get)
                .description("Samples waiting in the early-sample buffers of this instance's tasks for their request")
                .register(registry);
        this.earlyReleased = Counter.builder("probeval.aggregator.early.samples.released")
                .description("Buffered early samples processed once their request arrived")
                .register(registry);
    }

    /** Counts one sampled output of {@code modelVersion} (the per-version rate beside the untagged total). */
    void sampleCounted(String modelVersion) {
        samplesCounted.increment();
        samplesByVersion
                .computeIfAbsent(
                        versionTags.value(modelVersion),
                        v -> Counter.builder("probeval.aggregator.model.samples.counted")
                                .description("Distinct sampled outputs counted, per model version")
                                .tag("model_version", v)
                                .register(registry))
                .increment();
    }

    /**
     * Publishes a model roll-up on the per-version gauges. The roll-up of one (version, suite, split) lives on the one
     * instance whose task owns it; after a rebalance the previous owner keeps its last values, so dashboards take the
     * {@code max} over instances.
     */
    void modelRollup(
            String modelVersion,
            String suite,
            String split,
            int seen,
            int finals,
            int hiddenLeaks,
            double meanMMu,
            double suiteBound,
            double meanScore,
            double maxMBin) {
        String[] tags = rollupTags.values(modelVersion, suite, split);
        double[] values = rollups.computeIfAbsent(String.join("\u0000", tags), k -> {
            double[] v = new double[ROLLUP_GAUGES.length];
            for (int i = 0; i < ROLLUP_GAUGES.length; i++) {
                int index = i;
                Gauge.builder(ROLLUP_GAUGES[i][0], v, a -> a[index])
                        .description(ROLLUP_GAUGES[i][1])
                        .tag("model_version", tags[0])
                        .tag("suite", tags[1])
                        .tag("split", tags[2])
                        .register(registry);
            }
            return v;
        });
        synchronized (values) {
            values[0] = seen;
            values[1] = finals;
            values[2] = seen - finals;
            values[3] = hiddenLeaks;
            values[4] = meanMMu;
            values[5] = suiteBound;
            values[6] = meanMMu - meanScore;
            values[7] = maxMBin;
        }
    }

    /** Meters on a private in-memory registry (for tests). */
    static AggregatorMetrics noop() {
        return new AggregatorMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    void greedyCounted() {
        greedyCounted.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void promptBoundsEmitted(BoundsStatus status, long latencyMs) {
        promptBoundsEmitted.get(status).increment();
        if (latencyMs >= 0) {
            emitLatency.record(Duration.ofMillis(latencyMs));
        }
    }

    /** Adds {@code delta} (may be negative: released, expired or a task closed) to the early-sample gauge. */
    void earlyBuffered(long delta) {
        earlyBuffered.addAndGet(delta);
    }

    void earlyReleased() {
        earlyReleased.increment();
    }

    /** Early samples buffered now, over all tasks of this instance. */
    long earlySamplesBuffered() {
        return earlyBuffered.get();
    }

    void modelBoundsEmitted() {
        modelBoundsEmitted.increment();
    }

    void deadLetter(DeadLetterReason reason, String topic) {
        deadLetters
                .computeIfAbsent(
                        reason.name() + "|" + topic,
                        k -> Counter.builder("probeval.aggregator.dead.letters")
                                .description("Records routed to the dead-letter topic")
                                .tag("reason", reason.name())
                                .tag("topic", topic)
                                .register(registry))
                .increment();
    }

    void requestRejected(DeadLetterReason reason) {
        Counter.builder("probeval.aggregator.requests.rejected")
                .description("Requests a worker refused (ended REJECTED)")
                .tag("reason", reason.name())
                .register(registry)
                .increment();
    }

    /** Requests ended REJECTED, any reason. */
    double rejectedCount() {
        return registry.find("probeval.aggregator.requests.rejected").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    /** Count of dead letters with {@code reason} from any topic (for tests and the dashboard). */
    public double deadLetterCount(DeadLetterReason reason) {
        return registry.find("probeval.aggregator.dead.letters").tag("reason", reason.name()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    public double duplicateCount() {
        return duplicates.count();
    }

    public double samplesCountedTotal() {
        return samplesCounted.count();
    }
}
