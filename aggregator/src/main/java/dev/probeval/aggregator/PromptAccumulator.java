package dev.probeval.aggregator;

import dev.probeval.avro.BoundMode;
import java.nio.ByteBuffer;

/**
 * Glue between the aggregator and core's bounds: wraps the per-prompt score accumulator (O(1) add, serializable) and
 * asks core for the metrics. The aggregator does no bounds math of its own.
 *
 * <p>INTERIM: until core's {@code ScoreAccumulator} lands, this keeps only n, Σx and Σx² and reports NaN for every
 * bound. Only this class changes when it is swapped in.
 */
public final class PromptAccumulator {
  private long n;
  private double sum;
  private double sumSq;

  public static PromptAccumulator empty() {
    return new PromptAccumulator();
  }

  public void add(double score) {
    n++;
    sum += score;
    sumSq += score * score;
  }

  public long n() {
    return n;
  }

  public byte[] toBytes() {
    return ByteBuffer.allocate(24).putLong(n).putDouble(sum).putDouble(sumSq).array();
  }

  public static PromptAccumulator fromBytes(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    PromptAccumulator a = new PromptAccumulator();
    a.n = buf.getLong();
    a.sum = buf.getDouble();
    a.sumSq = buf.getDouble();
    return a;
  }

  /** Every metric at failure probability {@code alpha}, leak threshold {@code tau}, in {@code mode}. */
  public BoundValues bounds(double alpha, double tau, BoundMode mode) {
    double mean = n == 0 ? 0 : sum / n;
    double std = n == 0 ? 0 : Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    double nan = Double.NaN;
    return new BoundValues(nan, nan, nan, nan, nan, nan, nan, nan, mean, std);
  }

  /** Only M_μ (the suite bound needs it at α/Q for every prompt of a group). */
  public double mMu(double alpha, BoundMode mode) {
    return bounds(alpha, 0.5, mode).mMu();
  }
}
