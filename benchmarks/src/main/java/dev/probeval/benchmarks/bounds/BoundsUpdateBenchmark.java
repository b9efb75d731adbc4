package dev.probeval.benchmarks.bounds;

import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the aggregator pays per scored sample: add one score to a prompt's accumulator and recompute every metric
 * ({@link Bounds#compute}) in one mode. The accumulator starts each invocation pre-filled with n₀ scores and takes
 * {@link #UPDATES} updates, so n stays in [n₀, n₀+64] as in the Python reference, which does the same updates on the
 * same scores ({@link RougeLikeScores}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BoundsUpdateBenchmark {
    /** Updates per invocation; the Python reference uses the same count. */
    public static final int UPDATES = 64;

    @Param({"128", "1024"})
    int n0;

    @Param({"CONBO", "SOUND", "ANYTIME"})
    String mode;

    private BoundConfig cfg;
    private byte[] prefilled;
    private double[] stream;
    private ScoreAccumulator acc;

    @Setup(Level.Trial)
    public void setUp() {
        cfg = BoundConfig.defaults()
                .withMode(BoundMode.valueOf(mode))
                .withAlpha(0.01)
                .withThresholds(List.of(0.5, 0.9));
        ScoreAccumulator a = new ScoreAccumulator();
        for (double s : RougeLikeScores.range(0, n0)) {
            a.add(s);
        }
        prefilled = a.toBytes();
        stream = RougeLikeScores.range(n0, UPDATES);
        acc = ScoreAccumulator.fromBytes(prefilled);
    }

    /** Restores the n₀-score state outside the timed region. */
    @Setup(Level.Invocation)
    public void reset() {
        acc = ScoreAccumulator.fromBytes(prefilled);
    }

    /** One update = add one score + recompute all metrics. */
    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public void addAndCompute(Blackhole bh) {
        ScoreAccumulator a = acc;
        for (double s : stream) {
            a.add(s);
            bh.consume(Bounds.compute(a, cfg));
        }
    }

    /** Recompute only, on the n₀-score state (context: how much of an update is the recompute). */
    @Benchmark
    public Object computeOnly() {
        return Bounds.compute(acc, cfg);
    }
}
