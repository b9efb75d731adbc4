package dev.probeval.core.bounds;

import org.hipparchus.special.Beta;

/**
 * Clopper–Pearson (1934) exact binomial confidence limits via the inverse regularized incomplete beta function, as
 * statsmodels' {@code proportion_confint(method="beta")} computes them (paper-spec §1.2). Inversion is by bisection
 * to full double precision, because the default solver accuracy of beta quantiles (1e-9) is too coarse for parity.
 */
public final class ClopperPearson {
  private ClopperPearson() {}

  /** Upper limit: the (1−q) quantile of Beta(k+1, n−k), 1 when k = n. One-sided level q. */
  public static double upper(long k, long n, double q) {
    check(k, n);
    if (k == n) {
      return 1.0;
    }
    return betaQuantile(1.0 - q, q, k + 1.0, n - k, true);
  }

  /** Lower limit: the q quantile of Beta(k, n−k+1), 0 when k = 0. One-sided level q. */
  public static double lower(long k, long n, double q) {
    check(k, n);
    if (k == 0) {
      return 0.0;
    }
    return betaQuantile(q, q, k, n - k + 1.0, false);
  }

  private static void check(long k, long n) {
    Validation.n(n);
    if (k < 0 || k > n) {
      throw new IllegalArgumentException("need 0 <= k <= n, got k = " + k + ", n = " + n);
    }
  }

  /**
   * Solves I_x(a,b) = p by safeguarded Newton iteration (the derivative is the Beta(a,b) density) inside a shrinking
   * bisection bracket. For upper tails (p close to 1) the complementary equation 1 − I_x(a,b) = I_{1−x}(b,a) = q is
   * used, which keeps relative precision when q is tiny.
   */
  private static double betaQuantile(double p, double q, double a, double b, boolean upperTail) {
    double lo = 0.0;
    double hi = 1.0;
    double logB = Beta.logBeta(a, b);
    double x = a / (a + b);
    for (int i = 0; i < 300; i++) {
      // g(x) = I_x(a,b) - p, increasing in x; computed through the upper tail when that is the precise side.
      double g = upperTail
          ? q - Beta.regularizedBeta(1.0 - x, b, a, 1e-17, 100000)
          : Beta.regularizedBeta(x, a, b, 1e-17, 100000) - p;
      if (g == 0.0) {
        return x;
      }
      if (g < 0) {
        lo = x;
      } else {
        hi = x;
      }
      double density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logB);
      double next = x - g / density;
      if (!(next > lo && next < hi) || !Double.isFinite(next)) {
        next = 0.5 * (lo + hi);
      }
      if (Math.abs(next - x) <= 1e-16 * Math.max(x, 1e-300) || hi - lo <= 1e-17 * Math.max(hi, 1e-300)) {
        return next;
      }
      x = next;
    }
    return x;
  }
}
