#!/usr/bin/env python3
"""Reference-method timing for the bounds benchmark (run by benchmarks/run-bounds.sh beside the JMH run).

The reference way to keep a prompt's bounds current: after every new score, recompute everything from the whole
score array, as the authors' library conbo does (numpy + scipy; statsmodels' Clopper-Pearson is scipy's beta
quantile). This file re-implements conbo 0.1.0's routines with numpy (not copied): the empirical CDF on the
100-point grid by broadcast comparison, the grid integrals for the mean, the Schuchardt et al. variance bound, and
scipy.stats.beta for M_bin. Per update it computes what BoundsUpdateBenchmark computes in CONBO mode: M_mu and its
lower end (alpha 2A), M_sigma and its lower end (alpha A), M_gen at 0.5 and 0.9 (2A), M_bin and its lower end (2A).

Usage: bounds_reference.py [reps] [jmh-result.json]
  prints microseconds per update, averaged over n = 1..1024; with the JMH JSON result of BoundsUpdateBenchmark from
  the same run, also the ratio reference / ours for every mode.
"""
import json
import math
import sys
import time

import numpy as np
from scipy import stats

A = 0.01
T = np.linspace(0.0, 1.0, 100)
H = np.diff(T)
THRESHOLDS = np.array([0.5, 0.9])
LENGTH = 1024


def eps(n, a):
    return math.sqrt(math.log(2.0 / a) / (2.0 * n))


def grid_cdf(x):
    return (x[:, None] <= T[None, :]).mean(axis=0)


def expectation(x, a):
    e = eps(len(x), a)
    f = grid_cdf(x)
    lo = np.maximum(f - e, 0.0)
    hi = np.minimum(f + e, 1.0)
    return x.mean(), 1.0 - (hi[1:] * H).sum(), 1.0 - (lo[:-1] * H).sum()


def std(x, a):
    n = len(x)
    _, mu_l, mu_u = expectation(x, a)
    t1, t2 = T[:-1], T[1:]
    c = np.stack([(t1 - mu_l) ** 2, (t1 - mu_u) ** 2, (t2 - mu_l) ** 2, (t2 - mu_u) ** 2])
    emax, emin = c.max(0), c.min(0)
    e = eps(n, a)
    f = grid_cdf(x)
    d = emax[:-1] - emax[1:]
    vu = ((f[1:-1] + np.where(d > 0, 1, -1) * e) * d).sum() + emax[-1] - emax[0] * max(f[0] - e, 0.0)
    d = emin[:-1] - emin[1:]
    vl = ((f[1:-1] - np.where(d > 0, 1, -1) * e) * d).sum() + emin[-1] - emin[0] * min(f[0] + e, 1.0)
    sv = max((x ** 2).mean() - x.mean() ** 2, 0.0)
    return math.sqrt(sv), math.sqrt(max(vl, 0.0)), math.sqrt(vu)


def survival(x, a):
    e = eps(len(x), a)
    f = (x[:, None] <= THRESHOLDS[None, :]).mean(axis=0)
    return 1.0 - np.maximum(f - e, 0.0)


def binomial(k, n, a):
    lo = 0.0 if k == 0 else stats.beta.ppf(a / 2, k, n - k + 1)
    hi = 1.0 if k == n else stats.beta.isf(a / 2, k + 1, n - k)
    return lo, hi


def stream(seed):
    rng = np.random.default_rng(seed)
    u = rng.random(LENGTH)
    mid = rng.integers(0, 41, LENGTH) / 40.0
    return np.where(u < 0.4, 0.0, np.where(u < 0.5, 1.0, mid))


def run(scores, with_bin=True):
    x = np.empty(0)
    out = 0.0
    for s in scores:
        x = np.append(x, s)          # the reference keeps the raw array and recomputes from it
        out += expectation(x, 2 * A)[2] + std(x, A)[2] + survival(x, 2 * A).sum()
        if with_bin:
            out += binomial(int((x >= 0.5).sum()), len(x), 2 * A)[1]
    return out


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    scores = stream(42)
    run(scores[:64])                 # warm up imports and caches
    ref = {}
    for label, with_bin in (("conbo recompute, all metrics", True), ("conbo recompute, without M_bin", False)):
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            run(scores, with_bin)
            times.append((time.perf_counter() - t0) / LENGTH * 1e6)
        ref[with_bin] = min(times)
        print(f"python {label}: {min(times):.1f} us/update (min of {reps}; all {', '.join(f'{t:.1f}' for t in times)})")
    print(f"numpy {np.__version__}, scipy {__import__('scipy').__version__}, python {sys.version.split()[0]}")
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            results = json.load(f)
        print()
        print("| benchmark | mode | ours (us/op, mean ± 99.9% CI) | numpy recompute (us/update) | ratio |")
        print("|---|---|---|---|---|")
        for r in results:
            name = r["benchmark"].rsplit(".", 1)[1]
            mode = r["params"]["mode"]
            m = r["primaryMetric"]
            ratio = f"{ref[True] / m['score']:.0f}x" if name == "updateAndRecompute" else "-"
            print(f"| {name} | {mode} | {m['score']:.3f} ± {m['scoreError']:.3f} | {ref[True]:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
