package dev.probeval.core.bounds;

import org.hipparchus.special.Beta;

/**
 * Clopper–Pearson (1934) exact binomial confidence limits via the inverse regularized incomplete beta function, as
 * statsmodels' {@code proportion_confint(method="beta")} computes them (paper-spec §1.2). Inversion is by safeguarded
 * Halley iteration to full double precision, because the default solver accuracy of beta quantiles (1e-9) is too
 * coarse for parity.
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
   * Solves I_x(a,b) = p (or, for upper tails, the complementary 1 − I_x(a,b) = I_{1−x}(b,a) = q, which keeps
   * relative precision when q is tiny) by Halley's method on the regularized incomplete beta, started from a normal
   * approximation and safeguarded by a bisection bracket, to full double precision. The beta density and its
   * logarithmic derivative give the first and second derivatives in closed form; a step that leaves the bracket is
   * replaced by bisection, so the iteration always converges, usually in 3–5 evaluations.
   */
  private static double betaQuantile(double p, double q, double a, double b, boolean upperTail) {
    double logB = Beta.logBeta(a, b);
    double target = upperTail ? q : p;
    double sign = upperTail ? -1.0 : 1.0;
    double lo = 0.0;
    double hi = 1.0;
    double mean = a / (a + b);
    double sd = Math.sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
    double z = normalQuantileUpper(Math.min(target, 0.5));
    double x = upperTail ? mean + z * sd : mean - z * sd;
    if (!(x > 0.0 && x < 1.0)) {
      x = mean;
    }
    for (int i = 0; i < 300; i++) {
      double f = upperTail
          ? Beta.regularizedBeta(1.0 - x, b, a, 1e-15, 10000) - q
          : Beta.regularizedBeta(x, a, b, 1e-15, 10000) - p;
      // f increases in x for the lower tail, decreases for the upper tail.
      if (sign * f < 0) {
        lo = x;
      } else if (sign * f > 0) {
        hi = x;
      } else {
        return x;
      }
      double dens = Math.exp((a - 1.0) * Math.log(x) + (b - 1.0) * Math.log1p(-x) - logB);
      double next;
      if (dens > 0 && Double.isFinite(dens)) {
        double newton = f / (sign * dens);
        double curv = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
        double halley = newton / (1.0 - 0.5 * Math.max(-1.0, Math.min(1.0, newton * curv)));
        next = x - halley;
      } else {
        next = Double.NaN;
      }
      if (!(next > lo && next < hi)) {
        next = 0.5 * (lo + hi);
      }
      if (Math.abs(next - x) <= 4 * Math.ulp(x) || next <= lo || next >= hi) {
        return next > lo && next < hi ? next : x;
      }
      x = next;
    }
    return x;
  }

  /** Upper-tail standard normal quantile z with P(Z &gt; z) = q, for q in (0, 1/2] (Abramowitz &amp; Stegun 26.2.23). */
  private static double normalQuantileUpper(double q) {
    double t = Math.sqrt(-2.0 * Math.log(q));
    return t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  }
}
