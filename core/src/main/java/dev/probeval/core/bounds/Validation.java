package dev.probeval.core.bounds;

/** Argument checks shared by the bounds API; every message names the offending value. */
final class Validation {
    private Validation() {}

    static double score(double x) {
        if (!Double.isFinite(x) || x < 0.0 || x > 1.0) {
            throw new IllegalArgumentException("score must be a finite number in [0,1], got " + x);
        }
        return x;
    }

    static double alpha(double alpha) {
        if (!(alpha > 0.0 && alpha <= 0.5)) {
            throw new IllegalArgumentException(
                    "alpha must be in (0, 0.5] (one-sided Massart constant needs alpha <= 1/2), got " + alpha);
        }
        return alpha;
    }

    static double threshold(String what, double t) {
        if (!Double.isFinite(t) || t < 0.0 || t > 1.0) {
            throw new IllegalArgumentException(what + " must be in [0,1], got " + t);
        }
        return t;
    }

    static long n(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one score (n >= 1), got n = " + n);
        }
        return n;
    }
}
