#!/usr/bin/env python3
"""Reference method for the bounds benchmark: keep the whole numpy array, append one score, recompute every
conbo metric from the whole array, per update.

Two variants, both timed per update on the same scores as the JMH benchmark (RougeLikeScores.java):
  conbo      -- the algorithm of conbo 0.1.0 (yascho/conbo, confidence_bounds.py) as the paper's demo calls it:
                expectation_bounds(x, 2a), std_bounds(x, a) (which recomputes the expectation bounds and the CDF
                itself), survival_bounds(x, thresholds, 2a), binomial_bounds(x >= tau, 2a); the empirical CDF on
                the 100-point grid is one comparison pass per grid point, and Clopper-Pearson goes through
                scipy.stats.beta.ppf/isf as statsmodels' proportion_confint(method="beta") does.
  vectorised -- the same quantities computed the fastest plain-numpy way we know: one sort + searchsorted for the
                grid CDF, shared between the metrics, and scipy.special.betaincinv/betainccinv for Clopper-Pearson.
Both compute the same numbers (checked at the end of every run).

Usage: bounds_reference.py [n0 ...]   (default 128 1024). Prints one line per (variant, n0): median µs/update.
"""
import math
import statistics
import sys
import time

import numpy as np
from scipy import special, stats

ALPHA = 0.01
TAU = 0.5
THRESHOLDS = np.array([0.5, 0.9])
UPDATES = 64        # updates per repetition, as BoundsUpdateBenchmark.UPDATES
GRID = np.linspace(0.0, 1.0, 100)
H = np.diff(GRID)


def score(i):
    """Score number i; the same 32-bit hash as RougeLikeScores.score in Java."""
    h = (i * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    h ^= h >> 12
    r = h % 1000
    if r < 300:
        return 0.0
    if r < 400:
        return 1.0
    return (1 + (h >> 10) % 39) / 40.0


def scores(start, count):
    return np.array([score(i) for i in range(start, start + count)], dtype=float)


def eps(n, a):
    return math.sqrt(math.log(2.0 / a) / (2.0 * n))


# ------------------------------------------------------------------ conbo's algorithm, step by step
def cdf_loop(x, pts, a):
    e = eps(len(x), a)
    f = np.array([(x <= p).mean() for p in pts])
    return f, np.maximum(f - e, 0), np.minimum(f + e, 1)


def expectation_loop(x, a):
    assert x.min() >= 0 and x.max() <= 1
    _, fl, fu = cdf_loop(x, GRID, a)
    return x.mean(), 1 - (fu[1:] * H).sum(), 1 - (fl[:-1] * H).sum()


def variance_from(x, f, fl, fu, e, mu_lo, mu_hi):
    t1, t2 = GRID[:-1], GRID[1:]
    etas = np.stack([(t1 - mu_lo) ** 2, (t1 - mu_hi) ** 2, (t2 - mu_lo) ** 2, (t2 - mu_hi) ** 2])
    emax, emin = etas.max(0), etas.min(0)
    d = emax[:-1] - emax[1:]
    vu = ((f[1:-1] + (2 * (d > 0) - 1) * e) * d).sum() + emax[-1] - emax[0] * fl[0]
    d = emin[:-1] - emin[1:]
    vl = max(((f[1:-1] - (2 * (d > 0) - 1) * e) * d).sum() + emin[-1] - emin[0] * fu[0], 0.0)
    sv = max((x ** 2).mean() - x.mean() ** 2, 0.0)
    return sv, vl, vu


def std_loop(x, a):
    assert x.min() >= 0 and x.max() <= 1
    _, mu_lo, mu_hi = expectation_loop(x, a)
    f, fl, fu = cdf_loop(x, GRID, a)
    sv, vl, vu = variance_from(x, f, fl, fu, eps(len(x), a), mu_lo, mu_hi)
    return math.sqrt(sv), math.sqrt(vl), math.sqrt(vu)


def survival_loop(x, pts, a):
    f, fl, fu = cdf_loop(x, pts, a)
    return 1 - f, 1 - fu, 1 - fl


def binomial_stats(k, n, a):     # proportion_confint(k, n, a, method="beta")
    lo = stats.beta.ppf(a / 2, k, n - k + 1) if k > 0 else 0.0
    hi = stats.beta.isf(a / 2, k + 1, n - k) if k < n else 1.0
    return float(lo), float(hi)


def recompute_conbo(x):
    a2 = 2 * ALPHA
    mean, mu_lo, mu_hi = expectation_loop(x, a2)
    sd, sd_lo, sd_hi = std_loop(x, ALPHA)
    gen = survival_loop(x, THRESHOLDS, a2)[2]
    leaks = (x >= TAU).astype(float)
    bin_lo, bin_hi = binomial_stats(int(leaks.sum()), len(leaks), a2)
    return (mu_hi, mu_lo, sd_hi, sd_lo, *gen, bin_hi, bin_lo)


# ------------------------------------------------------------------ the same numbers, vectorised
def recompute_vectorised(x):
    n = len(x)
    a2 = 2 * ALPHA
    z = np.sort(x)
    f = np.searchsorted(z, GRID, side="right") / n
    e2 = eps(n, a2)
    mu_hi = 1 - (np.maximum(f[:-1] - e2, 0) * H).sum()
    mu_lo = 1 - (np.minimum(f[1:] + e2, 1) * H).sum()
    e1 = eps(n, ALPHA)
    fl1, fu1 = np.maximum(f - e1, 0), np.minimum(f + e1, 1)
    m_lo1 = 1 - (fu1[1:] * H).sum()
    m_hi1 = 1 - (fl1[:-1] * H).sum()
    sv, vl, vu = variance_from(x, f, fl1, fu1, e1, m_lo1, m_hi1)
    gen = 1 - np.maximum(np.searchsorted(z, THRESHOLDS, side="right") / n - e2, 0)
    k = n - int(np.searchsorted(z, TAU, side="left"))
    bin_lo = float(special.betaincinv(k, n - k + 1, a2 / 2)) if k > 0 else 0.0
    bin_hi = float(special.betainccinv(k + 1, n - k, a2 / 2)) if k < n else 1.0
    return (mu_hi, mu_lo, math.sqrt(vu), math.sqrt(vl), *gen, bin_hi, bin_lo)


def run(recompute, n0, reps):
    prefill = scores(0, n0)
    stream = scores(n0, UPDATES)
    per_update = []
    last = None
    for _ in range(reps):
        x = prefill.copy()
        t0 = time.perf_counter()
        for s in stream:
            x = np.append(x, s)
            last = recompute(x)
        per_update.append((time.perf_counter() - t0) / UPDATES * 1e6)
    return statistics.median(per_update), last


def main(argv):
    n0s = [int(a) for a in argv] or [128, 1024]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {__import__('scipy').__version__}")
    for n0 in n0s:
        t_conbo, v_conbo = run(recompute_conbo, n0, 7)
        t_vec, v_vec = run(recompute_vectorised, n0, 21)
        if not np.allclose(v_conbo, v_vec, rtol=1e-9, atol=1e-12):
            raise SystemExit(f"variants disagree at n0={n0}: {v_conbo} vs {v_vec}")
        print(f"REF conbo n0={n0} us_per_update={t_conbo:.2f}")
        print(f"REF vectorised n0={n0} us_per_update={t_vec:.2f}")
        print(f"   after {UPDATES} updates (n={n0 + UPDATES}): M_mu={v_conbo[0]:.15g} M_sigma={v_conbo[2]:.15g} "
              f"M_gen(0.5)={v_conbo[4]:.15g} M_gen(0.9)={v_conbo[5]:.15g} M_bin={v_conbo[6]:.15g}")


if __name__ == "__main__":
    main(sys.argv[1:])
