package dev.probeval.benchmarks.bounds;

import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Update-plus-recompute cost per sample, what the aggregator pays for every scored sample: add the next score of a
 * 1024-sample ROUGE-like stream to the accumulator, then compute every metric (M_μ, M_σ, M_ED, M_gen at two
 * thresholds, M_bin, lower bounds) in the given mode. The stream restarts after 1024 samples, so the figure is the
 * average over n = 1..1024. {@code updateOnly} is the accumulator update alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BoundsUpdateBenchmark {

  @Param({"CONBO", "SOUND", "ANYTIME"})
  public String mode;

  private double[] stream;
  private BoundConfig cfg;
  private ScoreAccumulator acc;
  private int next;

  @Setup
  public void setUp() {
    stream = BoundsStreams.rougeLike(42);
    cfg = BoundConfig.defaults().withMode(BoundMode.valueOf(mode)).withThresholds(List.of(0.5, 0.9));
    acc = new ScoreAccumulator();
    next = 0;
  }

  private void addNext() {
    if (next == stream.length) {
      acc = new ScoreAccumulator();
      next = 0;
    }
    acc.add(stream[next++]);
  }

  @Benchmark
  public BoundReport updateAndRecompute() {
    addNext();
    return Bounds.compute(acc, cfg);
  }

  @Benchmark
  public long updateOnly() {
    addNext();
    return acc.n();
  }
}
