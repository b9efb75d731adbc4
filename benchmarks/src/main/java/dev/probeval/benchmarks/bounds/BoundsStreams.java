package dev.probeval.benchmarks.bounds;

import java.util.SplittableRandom;

/**
 * The score stream both sides of the benchmark use: ROUGE-like scores (40 % exact zeros, 10 % exact ones, the rest
 * multiples of 1/40), from a fixed seed. benchmarks/python/bounds_reference.py draws the same kind of stream.
 */
final class BoundsStreams {
  /** Stream length: every prefix n = 1..LENGTH is bounded once, then the stream restarts. */
  static final int LENGTH = 1024;

  private BoundsStreams() {}

  static double[] rougeLike(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      double u = rnd.nextDouble();
      x[i] = u < 0.4 ? 0.0 : u < 0.5 ? 1.0 : rnd.nextInt(41) / 40.0;
    }
    return x;
  }
}
