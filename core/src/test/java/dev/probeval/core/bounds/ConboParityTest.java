package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.probeval.core.SharedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every row of ../shared/spec/bound_vectors.csv (checked against conbo's own source) reproduced in CONBO mode. */
class ConboParityTest {
  private static final double TOL = 1e-12;
  private static final double TOL_BIN = 1e-10;

  record Row(String id, String metric, long n, long k, double alpha, double conboAlpha, Double threshold,
      Double lambda, double value, double aux1, double aux2, Double aux3, double[] scores) {}

  static List<Row> rows() throws IOException {
    Optional<Path> csv = SharedDir.file("spec/bound_vectors.csv");
    assumeTrue(csv.isPresent(), SharedDir.MISSING_MESSAGE);
    List<String> lines = Files.readAllLines(csv.get());
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      double[] scores = f[15].isBlank()
          ? new double[0]
          : Stream.of(f[15].trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
      rows.add(new Row(f[0], f[1], Long.parseLong(f[2]), f[3].isEmpty() ? -1 : Long.parseLong(f[3]),
          Double.parseDouble(f[4]), Double.parseDouble(f[5]), f[6].isEmpty() ? null : Double.parseDouble(f[6]),
          f[7].isEmpty() ? null : Double.parseDouble(f[7]), Double.parseDouble(f[8]), Double.parseDouble(f[10]),
          Double.parseDouble(f[12]), f[14].isEmpty() ? null : Double.parseDouble(f[14]), scores));
    }
    assertEquals(198, rows.size(), "bound_vectors.csv row count");
    return rows;
  }

  @TestFactory
  Stream<DynamicTest> shouldReproduceEveryReferenceVector() throws IOException {
    return rows().stream().map(r -> DynamicTest.dynamicTest(r.id() + " " + r.metric(), () -> check(r)));
  }

  private static void check(Row r) {
    String m = r.metric();
    if (m.startsWith("M_bin")) {
      BoundReport rep = Bounds.compute(leaks(r.k(), r.n()),
          BoundConfig.defaults().withMode(BoundMode.CONBO).withAlpha(r.alpha()).withLeakThreshold(1.0));
      assertEquals(r.k(), rep.k());
      assertEquals(r.value(), rep.mBin(), TOL_BIN, "M_bin");
      double[] two = Conbo.binomialBounds(r.k(), r.n(), r.alpha());
      assertEquals(r.aux1(), two[0], TOL_BIN, "two-sided CP lower");
      assertEquals(r.aux2(), two[1], TOL_BIN, "two-sided CP upper");
      return;
    }
    ScoreAccumulator acc = ScoreAccumulator.of(r.scores());
    assertEquals(r.n(), acc.n());
    BoundConfig cfg = BoundConfig.defaults().withMode(BoundMode.CONBO).withAlpha(r.alpha());
    if (m.startsWith("M_gen")) {
      BoundReport rep = Bounds.compute(acc, cfg.withThresholds(List.of(r.threshold())));
      assertEquals(r.value(), rep.mGen().get(r.threshold()), TOL, "M_gen");
      assertEquals(r.aux1(), (double) acc.countAtMost(r.threshold()) / acc.n(), TOL, "ecdf");
      assertEquals(r.aux2(), rep.eps(), TOL, "eps");
    } else if (m.startsWith("M_mu")) {
      BoundReport rep = Bounds.compute(acc, cfg);
      assertEquals(r.value(), rep.mMu(), TOL, "M_mu");
      assertEquals(r.aux1(), rep.mean(), TOL, "mean");
      assertEquals(r.aux2(), rep.mMuLower(), TOL, "conbo lower");
      // Exact Anderson = SOUND mode's M_mu.
      assertEquals(r.aux3(), Bounds.compute(acc, cfg.withMode(BoundMode.SOUND)).mMu(), TOL, "exact Anderson");
    } else if (m.startsWith("M_sigma")) {
      BoundConfig.ConboSigmaConvention conv = m.contains("demo_nb")
          ? BoundConfig.ConboSigmaConvention.DEMO : BoundConfig.ConboSigmaConvention.DOC;
      BoundReport rep = Bounds.compute(acc, cfg.withConboSigma(conv));
      assertEquals(r.value(), rep.mSigma(), TOL, "M_sigma");
      assertEquals(r.aux1(), rep.std(), TOL, "sample std");
      assertEquals(r.aux2(), rep.mSigmaLower(), TOL, "std lower");
      assertEquals(r.aux3(), Conbo.stdBounds(acc, r.conboAlpha(), true)[2], TOL, "atom-fixed M_sigma");
    } else if (m.startsWith("M_ED")) {
      BoundReport rep = Bounds.compute(acc,
          cfg.withConboSigma(BoundConfig.ConboSigmaConvention.DEMO).withLambda(r.lambda()));
      assertEquals(r.value(), rep.mEd(), TOL, "M_ED");
      assertEquals(r.aux1(), rep.mMu(), TOL, "M_mu");
      assertEquals(r.aux2(), rep.mSigma(), TOL, "M_sigma (demo)");
    } else {
      throw new AssertionError("unknown metric in vectors: " + m);
    }
    assertTrue(true);
  }

  static ScoreAccumulator leaks(long k, long n) {
    ScoreAccumulator acc = new ScoreAccumulator();
    for (long i = 0; i < n; i++) {
      acc.add(i < k ? 1.0 : 0.0);
    }
    return acc;
  }
}
