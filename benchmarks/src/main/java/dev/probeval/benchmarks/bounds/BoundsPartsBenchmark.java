package dev.probeval.benchmarks.bounds;

import dev.probeval.core.bounds.AnytimeBounds;
import dev.probeval.core.bounds.ClopperPearson;
import dev.probeval.core.bounds.Conbo;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Where the time of {@link BoundsUpdateBenchmark} goes: the pieces of one recompute on the n₀-score state, through
 * the public routines that {@code Bounds.compute} calls (CONBO's binomial interval, SOUND's two one-sided
 * Clopper–Pearson limits, CONBO's grid bounds on μ and σ, ANYTIME's beta-binomial confidence sequence).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BoundsPartsBenchmark {
    private static final double ALPHA = 0.01;

    @Param({"128", "1024"})
    int n0;

    private ScoreAccumulator acc;
    private long k;

    @Setup(Level.Trial)
    public void setUp() {
        acc = new ScoreAccumulator();
        for (double s : RougeLikeScores.range(0, n0)) {
            acc.add(s);
        }
        k = acc.countAtLeast(0.5);
    }

    /** CONBO's M_bin: two-sided Clopper–Pearson at 2α (both ends, as conbo returns them). */
    @Benchmark
    public double[] conboBinomial() {
        return Conbo.binomialBounds(k, acc.n(), 2 * ALPHA);
    }

    /** SOUND's M_bin: one-sided Clopper–Pearson upper and lower at α. */
    @Benchmark
    public void soundClopperPearson(Blackhole bh) {
        bh.consume(ClopperPearson.upper(k, acc.n(), ALPHA));
        bh.consume(ClopperPearson.lower(k, acc.n(), ALPHA));
    }

    /** CONBO's grid bounds on μ (at 2α) and σ (at α). */
    @Benchmark
    public void conboMuSigma(Blackhole bh) {
        bh.consume(Conbo.expectationBounds(acc, 2 * ALPHA));
        bh.consume(Conbo.stdBounds(acc, ALPHA, false));
    }

    /** ANYTIME's M_bin: beta-binomial mixture confidence sequence. */
    @Benchmark
    public double[] anytimeBinomial() {
        return AnytimeBounds.binomial(k, acc.n(), ALPHA);
    }
}
