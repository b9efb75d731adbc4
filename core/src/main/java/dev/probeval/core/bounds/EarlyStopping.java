package dev.probeval.core.bounds;

import java.util.ArrayList;
import java.util.List;

/**
 * Anytime-valid early stopping: decides, from a stream's running statistics, whether an ANYTIME bound already
 * certifies a threshold, so sampling may stop at that data-dependent n without losing the guarantee.
 *
 * <p>Why it is valid. The ANYTIME bounds ({@link AnytimeBounds}) are confidence sequences: with probability ≥ 1−α
 * they hold at every n simultaneously. A wrong decision ("certified below t" while the true value is ≥ t, or
 * "certified above t" while it is ≤ t) needs the bound to be wrong at the stopping time, hence at some n, which has
 * probability ≤ α whatever the stopping rule. Fixed-n bounds (CONBO, SOUND) do not have this property (paper-spec
 * §8.3), which is why the contract allows a rule only in ANYTIME mode.
 *
 * <p>The bounds are exactly the ones {@link Bounds#compute} reports in ANYTIME mode with the same α and design n
 * (checked by {@code EarlyStoppingTest}): M_BIN the beta-binomial mixture ends, M_MU the normal-mixture interval
 * ({@link AnytimeBounds#meanInterval}), M_GEN the time-uniform DKW band at x. Two details keep the decision's error
 * ≤ α for every true value:
 * <ul>
 *   <li>the rule is checked at α/Q when a suite of Q prompts is declared (Bonferroni: all Q decisions hold jointly);
 *   <li>with {@link Decide#EITHER}, M_BIN's two ends are each taken at α/2, since each end of the beta-binomial
 *       sequence holds on its own at α (the M_MU interval and the DKW band are two-sided at α already). Only a true
 *       value exactly at the threshold can be decided wrongly on either side.
 * </ul>
 *
 * <p>Decisions only depend on (n, the count at the rule's x, the compensated sum) — a {@link Tally} — so a worker
 * can carry them across a restart in a few bytes. Stateless and thread-safe.
 */
public final class EarlyStopping {
    /** Samples in the first chunk of a stream under a rule; later chunks double n up to the configured chunk size. */
    public static final int FIRST_CHUNK = 8;

    /** The bound a rule watches. */
    public enum Metric {
        /** P(X ≥ at), the leak probability at τ = at. */
        M_BIN,
        /** E[X]. */
        M_MU,
        /** P(X &gt; at). */
        M_GEN
    }

    /** What decides a stream. */
    public enum Decide {
        /** Upper bound &lt; threshold. */
        BELOW,
        /** Lower bound &gt; threshold. */
        ABOVE,
        /** Whichever comes first. */
        EITHER
    }

    /** The outcome of one check. */
    public enum Decision {
        /** Certified below the threshold: stop. */
        DECIDED_BELOW,
        /** Certified above the threshold: stop. */
        DECIDED_ABOVE,
        /** Not decided: keep sampling (up to the cap). */
        CONTINUE
    }

    /**
     * A stopping rule.
     *
     * @param metric the bound watched
     * @param at τ for M_BIN (leak := score ≥ τ), x for M_GEN (P(X &gt; x)); ignored for M_MU
     * @param threshold the value compared with, in [0, 1]
     * @param decide which side(s) decide
     * @param minSamples never decide before this n (≥ 1)
     */
    public record Rule(Metric metric, double at, double threshold, Decide decide, long minSamples) {
        public Rule {
            if (metric == null || decide == null) {
                throw new IllegalArgumentException("a stopping rule needs a metric and a decide side");
            }
            Validation.threshold("stopping threshold", threshold);
            if (metric != Metric.M_MU) {
                Validation.threshold("stopping rule's at", at);
            }
            if (minSamples < 1) {
                throw new IllegalArgumentException("minSamples must be >= 1, got " + minSamples);
            }
        }

        /** Whether a sample with this score counts at the rule's x (score ≥ τ for M_BIN, score &gt; x for M_GEN). */
        public boolean counts(double score) {
            return switch (metric) {
                case M_BIN -> score >= at;
                case M_GEN -> score > at;
                case M_MU -> false;
            };
        }
    }

    /**
     * A stream's running statistics for a rule: n, the count of samples at the rule's x ({@link Rule#counts}) and the
     * sum of scores, compensated exactly as {@link ScoreAccumulator} does it (so the mean is bit-for-bit the
     * accumulator's). Mutable, not thread-safe; {@link #encode()} / {@link #decode} give a short text form.
     */
    public static final class Tally {
        private long n;
        private long count;
        private double sum;
        private double sumC;

        public Tally() {}

        private Tally(long n, long count, double sum, double sumC) {
            this.n = n;
            this.count = count;
            this.sum = sum;
            this.sumC = sumC;
        }

        /** Adds one score (finite, in [0, 1]). */
        public Tally add(double score, Rule rule) {
            double x = Validation.score(score);
            n++;
            if (rule.counts(x)) {
                count++;
            }
            double y = x - sumC;
            double t = sum + y;
            sumC = (t - sum) - y;
            sum = t;
            return this;
        }

        public long n() {
            return n;
        }

        public long count() {
            return count;
        }

        /** Sample mean (0 when empty). */
        public double mean() {
            return n == 0 ? 0.0 : sum / n;
        }

        /** {@code n,count,sumBits,compBits} with the doubles as hex bit patterns, so a decode is exact. */
        public String encode() {
            return n + "," + count + "," + Long.toHexString(Double.doubleToRawLongBits(sum)) + ","
                    + Long.toHexString(Double.doubleToRawLongBits(sumC));
        }

        /** Parses {@link #encode()}; throws {@link IllegalArgumentException} on anything else. */
        public static Tally decode(String s) {
            String[] p = s.split(",", -1);
            if (p.length != 4) {
                throw new IllegalArgumentException("not a stopping tally: '" + s + "'");
            }
            try {
                long n = Long.parseLong(p[0]);
                long c = Long.parseLong(p[1]);
                double sum = Double.longBitsToDouble(Long.parseUnsignedLong(p[2], 16));
                double comp = Double.longBitsToDouble(Long.parseUnsignedLong(p[3], 16));
                if (n < 0 || c < 0 || c > n || !Double.isFinite(sum) || sum < -1e-9 || sum > n + 1e-9) {
                    throw new IllegalArgumentException("not a stopping tally: '" + s + "'");
                }
                return new Tally(n, c, sum, comp);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a stopping tally: '" + s + "'", e);
            }
        }

        /** The tally of an accumulator for {@code rule} (counts exact while the accumulator is not rounded). */
        public static Tally of(ScoreAccumulator acc, Rule rule) {
            long c = switch (rule.metric()) {
                case M_BIN -> acc.countAtLeast(rule.at());
                case M_GEN -> acc.n() - acc.countAtMost(rule.at());
                case M_MU -> 0;
            };
            return new Tally(acc.n(), c, acc.sum(), acc.sumCompensation());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tally t
                    && t.n == n
                    && t.count == count
                    && Double.doubleToRawLongBits(t.sum) == Double.doubleToRawLongBits(sum)
                    && Double.doubleToRawLongBits(t.sumC) == Double.doubleToRawLongBits(sumC);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(n) * 31 + Long.hashCode(count) * 17 + Double.hashCode(sum);
        }

        @Override
        public String toString() {
            return "Tally{n=" + n + ", count=" + count + ", mean=" + mean() + "}";
        }
    }

    private final Rule rule;
    private final double alpha;
    private final long designN;
    private final int suiteSize;

    /**
     * @param rule the rule
     * @param alpha the request's α (the per-prompt guarantee of its bounds)
     * @param designN the ANYTIME design n — the aggregator tunes it to the request's numSamples (the cap), and so must
     *     every caller that wants the same bounds
     * @param suiteSize Q ≥ 1: the rule is checked at α/Q (1: no suite correction)
     */
    public EarlyStopping(Rule rule, double alpha, long designN, int suiteSize) {
        if (rule == null) {
            throw new IllegalArgumentException("rule must be given");
        }
        Validation.alpha(alpha);
        if (designN < 1) {
            throw new IllegalArgumentException("design n must be >= 1, got " + designN);
        }
        if (suiteSize < 1) {
            throw new IllegalArgumentException("suite size must be >= 1, got " + suiteSize);
        }
        this.rule = rule;
        this.alpha = alpha;
        this.designN = designN;
        this.suiteSize = suiteSize;
    }

    public Rule rule() {
        return rule;
    }

    /** The α the rule's bounds are computed at: α/Q, halved for M_BIN with EITHER (see the class comment). */
    public double ruleAlpha() {
        double a = alpha / suiteSize;
        return rule.metric() == Metric.M_BIN && rule.decide() == Decide.EITHER ? a / 2 : a;
    }

    /** {lower, upper} of the watched quantity after the tally (vacuous {0, 1} when n = 0). */
    public double[] interval(Tally t) {
        return interval(t.n(), t.count(), t.mean());
    }

    /** {lower, upper} for n samples with {@code count} at the rule's x and sample mean {@code mean}. */
    public double[] interval(long n, long count, double mean) {
        if (n == 0) {
            return new double[] {0.0, 1.0};
        }
        double a = ruleAlpha();
        return switch (rule.metric()) {
            case M_BIN -> AnytimeBounds.binomial(count, n, a, designN);
            case M_MU -> AnytimeBounds.meanInterval(mean, n, a, designN);
            case M_GEN -> AnytimeBounds.survivalInterval(count, n, a);
        };
    }

    /** The decision after the tally: DECIDED_* once n ≥ minSamples and a bound crosses, else CONTINUE. */
    public Decision decide(Tally t) {
        return decide(t.n(), t.count(), t.mean());
    }

    /** The decision for an accumulator (its tally for this rule). */
    public Decision decide(ScoreAccumulator acc) {
        return decide(Tally.of(acc, rule));
    }

    private Decision decide(long n, long count, double mean) {
        if (n < rule.minSamples() || n == 0) {
            return Decision.CONTINUE;
        }
        double[] b = interval(n, count, mean);
        if (rule.decide() != Decide.ABOVE && b[1] < rule.threshold()) {
            return Decision.DECIDED_BELOW;
        }
        if (rule.decide() != Decide.BELOW && b[0] > rule.threshold()) {
            return Decision.DECIDED_ABOVE;
        }
        return Decision.CONTINUE;
    }

    /**
     * The n at which a stream of at most {@code cap} samples is checked, drawn in chunks of at most
     * {@code maxChunk}: the first chunk has min({@value #FIRST_CHUNK}, maxChunk) samples and each next one doubles the
     * n drawn so far, up to maxChunk samples per chunk (8, 16, 32, 64, 96, … for maxChunk 32), the last ends at the cap. Small chunks early make
     * the decision of a clearly leaky prompt land within a few samples of where it becomes possible; large chunks
     * later keep the per-transaction overhead low. A function of (cap, maxChunk) only, so a restarted worker resumes
     * on the same checkpoints.
     */
    public static List<Integer> checkpoints(int cap, int maxChunk) {
        if (cap < 1 || maxChunk < 1) {
            throw new IllegalArgumentException("cap and chunk size must be >= 1, got " + cap + ", " + maxChunk);
        }
        List<Integer> out = new ArrayList<>();
        int size = Math.min(FIRST_CHUNK, maxChunk);
        int end = 0;
        while (end < cap) {
            end = (int) Math.min(cap, (long) end + size);
            out.add(end);
            size = Math.min(maxChunk, Math.max(size, end));
        }
        return List.copyOf(out);
    }

    /**
     * What a rule costs and decides on a stream of Bernoulli(p) scores (each 0 or 1 — for M_MU and M_GEN the
     * highest-variance score distribution with that mean), checked at {@link #checkpoints}.
     *
     * @param expectedN E[n at stop], the cap when undecided
     * @param decidedBelow P(DECIDED_BELOW)
     * @param decidedAbove P(DECIDED_ABOVE)
     * @param undecided P(reaching the cap undecided)
     */
    public record Expectation(double expectedN, double decidedBelow, double decidedAbove, double undecided) {}

    /**
     * {@link Expectation} computed exactly (no simulation) by propagating the distribution of the number of ones k
     * among the streams not stopped yet from checkpoint to checkpoint; mass below 1e-15 is dropped.
     *
     * @param p the Bernoulli parameter: P(score = 1)
     */
    public Expectation expectBernoulli(double p, int cap, int maxChunk) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        }
        double[] mass = {1.0};
        int at = 0;
        double below = 0;
        double above = 0;
        double expected = 0;
        for (int end : checkpoints(cap, maxChunk)) {
            mass = step(mass, end - at, p);
            at = end;
            for (int k = 0; k <= end; k++) {
                if (mass[k] < 1e-15) {
                    mass[k] = 0;
                    continue;
                }
                long count = (rule.counts(1.0) ? k : 0) + (rule.counts(0.0) ? end - k : 0);
                Decision d = decide(end, count, (double) k / end);
                if (d != Decision.CONTINUE) {
                    expected += mass[k] * end;
                    if (d == Decision.DECIDED_BELOW) {
                        below += mass[k];
                    } else {
                        above += mass[k];
                    }
                    mass[k] = 0;
                }
            }
        }
        double left = 0;
        for (double m : mass) {
            left += m;
        }
        return new Expectation(expected + left * cap, below, above, left);
    }

    /** Distribution of k after {@code draws} more Bernoulli(p) samples. */
    private static double[] step(double[] mass, int draws, double p) {
        double[] out = new double[mass.length + draws];
        System.arraycopy(mass, 0, out, 0, mass.length);
        for (int d = 0; d < draws; d++) {
            for (int k = mass.length + d; k >= 0; k--) {
                double stay = out[k] * (1 - p);
                double move = k > 0 ? out[k - 1] * p : 0;
                out[k] = stay + move;
            }
        }
        return out;
    }
}
