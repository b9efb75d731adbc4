package dev.probeval.benchmarks.bounds;

import dev.probeval.core.bounds.ScoreAccumulator;
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

/**
 * Context for {@link BoundsUpdateBenchmark}: the accumulator update alone, and the state-store round trip
 * (toBytes + fromBytes) that a Kafka Streams store pays per update when it holds the serialized form.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AccumulatorBenchmark {
    private static final int UPDATES = 1024;

    @Param({"128", "1024"})
    int n0;

    private ScoreAccumulator acc;
    private double[] stream;

    @Setup(Level.Trial)
    public void setUp() {
        acc = new ScoreAccumulator();
        for (double s : RougeLikeScores.range(0, n0)) {
            acc.add(s);
        }
        stream = RougeLikeScores.range(n0, UPDATES);
    }

    /**
     * One add. The state keeps growing across invocations; an add costs the same at any n because the scores take at
     * most 41 distinct values (grid counter + binary search in the multiset).
     */
    @Benchmark
    @OperationsPerInvocation(UPDATES)
    public ScoreAccumulator addOnly() {
        ScoreAccumulator a = acc;
        for (double s : stream) {
            a.add(s);
        }
        return a;
    }

    /** Serialize and deserialize the state (the accumulator is left unchanged). */
    @Benchmark
    public ScoreAccumulator roundTrip() {
        return ScoreAccumulator.fromBytes(acc.toBytes());
    }
}
