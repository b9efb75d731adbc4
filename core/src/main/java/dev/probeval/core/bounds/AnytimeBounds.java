package dev.probeval.core.bounds;

import org.hipparchus.special.Beta;

/**
 * Time-uniform confidence sequences: each holds simultaneously for every n ≥ 1 with probability ≥ 1−α, so a bound
 * may be recomputed after every sample and a stream stopped at the first crossing without losing the guarantee.
 * All three are functions of the sufficient statistics (n, Σx, k, the empirical CDF), so they survive
 * {@link ScoreAccumulator#merge} and do not depend on arrival order.
 */
public final class AnytimeBounds {
  /** The design time n* at which the normal-mixture mean CS is tightest (it stays valid at every n). */
  public static final long DEFAULT_DESIGN_N = 1024;

  private AnytimeBounds() {}

  /**
   * Time-uniform DKW band of Howard &amp; Ramdas (2022), "Sequential estimation of quantiles with applications to
   * A/B-testing and best-arm identification", Bernoulli 28(3), Theorem 2: with probability ≥ 1−α, for all n ≥ 1 and
   * all x, |F_n(x) − F(x)| ≤ 0.85·√((ln ln(e·n) + 0.8·ln(1612/α))/n).
   */
  public static double dkwEps(long n, double alpha) {
    Validation.n(n);
    return 0.85 * Math.sqrt((Math.log(Math.log(Math.E * n)) + 0.8 * Math.log(1612.0 / alpha)) / n);
  }

  /**
   * Radius r_n of the two-sided normal-mixture confidence sequence for the mean of [0,1]-valued (hence
   * 1/4-sub-Gaussian) observations: with probability ≥ 1−α, for all n, |Σ(X_i − μ)| &lt; r_n with
   * r_n = √((n/4 + ρ)·(2 ln(1/α) + ln(1 + n/(4ρ)))). Robbins' normal mixture as stated by Howard, Ramdas, McAuliffe
   * &amp; Sekhon (2021), "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), eq. (14)
   * and Proposition 5 (sub-Gaussian case). ρ is tuned to minimize the radius at {@code designN}.
   */
  public static double meanRadius(long n, double alpha, long designN) {
    Validation.n(n);
    double rho = optimalRho(alpha, designN);
    double v = n / 4.0;
    return Math.sqrt((v + rho) * (2.0 * Math.log(1.0 / alpha) + Math.log(1.0 + v / rho)));
  }

  /** The mixture variance ρ minimizing the radius at n = designN (golden-section search on ln ρ). */
  static double optimalRho(double alpha, long designN) {
    double v = designN / 4.0;
    double lo = Math.log(v * 1e-4);
    double hi = Math.log(v * 1e2);
    double g = (Math.sqrt(5) - 1) / 2;
    for (int i = 0; i < 100; i++) {
      double a = hi - g * (hi - lo);
      double b = lo + g * (hi - lo);
      if (radiusSq(v, Math.exp(a), alpha) < radiusSq(v, Math.exp(b), alpha)) {
        hi = b;
      } else {
        lo = a;
      }
    }
    return Math.exp(0.5 * (lo + hi));
  }

  private static double radiusSq(double v, double rho, double alpha) {
    return (v + rho) * (2.0 * Math.log(1.0 / alpha) + Math.log(1.0 + v / rho));
  }

  /**
   * ln of the beta-binomial mixture martingale at p, M_n(p) = B(a+k, b+n−k) / (B(a,b)·p^k·(1−p)^(n−k)), a
   * nonnegative martingale under Bernoulli(p) with mean 1 (Robbins 1970; Howard et al. 2021, §3.3, the conjugate
   * beta-binomial mixture). By Ville's inequality P(∃n: M_n(p) ≥ 1/α) ≤ α, so {p : M_n(p) &lt; 1/α} is a confidence
   * sequence. The prior is Beta(1/2, 1/2) (Jeffreys).
   */
  public static double logBetaBinomialMixture(long k, long n, double p) {
    double a = 0.5;
    double b = 0.5;
    double logMix = Beta.logBeta(a + k, b + n - k) - Beta.logBeta(a, b);
    double logLik = (k == 0 ? 0.0 : k * Math.log(p)) + (n - k == 0 ? 0.0 : (n - k) * Math.log1p(-p));
    return logMix - logLik;
  }

  /** {lower, upper} ends of the beta-binomial mixture confidence sequence for a Bernoulli p after k of n. */
  public static double[] binomial(long k, long n, double alpha) {
    Validation.n(n);
    if (k < 0 || k > n) {
      throw new IllegalArgumentException("need 0 <= k <= n, got k = " + k + ", n = " + n);
    }
    double threshold = Math.log(1.0 / alpha);
    double phat = (double) k / n;
    double upper = k == n ? 1.0 : solve(k, n, threshold, phat, 1.0);
    double lower = k == 0 ? 0.0 : solve(k, n, threshold, phat, 0.0);
    return new double[] {lower, upper};
  }

  /** Bisection between the MLE (inside the CS) and an end (outside) for ln M_n(p) = ln(1/α). */
  private static double solve(long k, long n, double threshold, double inside, double outside) {
    double in = inside;
    double out = outside;
    for (int i = 0; i < 200; i++) {
      double mid = 0.5 * (in + out);
      if (mid == in || mid == out) {
        break;
      }
      if (logBetaBinomialMixture(k, n, mid) < threshold) {
        in = mid;
      } else {
        out = mid;
      }
    }
    // Report the outer end so the reported interval contains the CS.
    return out;
  }
}
