package dev.probeval.core.bounds;

import java.util.Arrays;

/**
 * The sufficient statistics of one prompt's stream of scores, from which every mode's bounds are computed.
 *
 * <p>It holds n, Σx and Σx² (compensated sums), the 100 counters of the reference grid (paper-spec §8.4: enough for
 * conbo parity of M_gen at grid points, M_μ and M_σ), and the exact multiset of distinct scores with their counts.
 * Updates are O(1) for the grid and O(log m) for the multiset (m distinct values; ROUGE scores take few).
 *
 * <p><b>Cap.</b> The multiset keeps at most {@link #DEFAULT_DISTINCT_CAP} exact distinct values (configurable). A new
 * distinct value arriving past the cap is rounded <em>up</em> to the lattice {@code ceil(x·4096)/4096}, so the state
 * never exceeds cap + 4097 entries (≈ 66 KiB) and {@link #isRounded()} turns true. n, Σx, Σx² and the 100 grid
 * counters are never rounded. What stays valid past the cap:
 * <ul>
 *   <li>CONBO M_μ, M_σ and their lower ends, SOUND/ANYTIME M_σ (grid counters only): exact, unchanged.
 *   <li>Every upper bound read from the multiset (exact-Anderson M_μ, M_gen(x), the P(X ≥ x) variant, k and M_bin):
 *       rounding up only raises scores, so these stay valid upper bounds, looser by at most 1/4096 in the score
 *       (M_μ) or by the mass of scores within 1/4096 below a threshold (M_gen, k). In CONBO mode they are then
 *       conservative rather than bit-for-bit, unless the threshold is above every rounded score.
 *   <li>Lower bounds: E[X]'s lower end falls back to the exact grid (conbo's right rule); P(X ≥ τ)'s lower end uses
 *       {@link #countAtLeastSurely}, which only counts values at least 1/4096 above τ. The report is marked
 *       approximate.
 * </ul>
 *
 * <p>Not thread-safe. {@link #merge} adds another accumulator (for partitioned aggregation); the result equals
 * sequential updates with the same scores, in any order.
 */
public final class ScoreAccumulator {
    /** Default maximum number of exact distinct values. */
    public static final int DEFAULT_DISTINCT_CAP = 4096;
    /** Resolution of the lattice that values are rounded up to past the cap. */
    public static final int LATTICE = 4096;

    private static final byte FORMAT_VERSION = 1;

    private long n;
    private double sum;
    private double sumC;
    private double sumSq;
    private double sumSqC;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private final long[] cells = new long[Grid.SIZE];
    private double[] values = new double[8];
    private long[] counts = new long[8];
    private int distinct;
    private final int cap;
    private boolean rounded;
    /** Derived, not state: cumulative grid counts, dropped on every update. */
    private long[] cumulative;

    /** An empty accumulator with the default distinct-value cap. */
    public ScoreAccumulator() {
        this(DEFAULT_DISTINCT_CAP);
    }

    /** An empty accumulator keeping at most {@code distinctCap} exact distinct values. */
    public ScoreAccumulator(int distinctCap) {
        if (distinctCap < 1) {
            throw new IllegalArgumentException("distinct-value cap must be >= 1, got " + distinctCap);
        }
        this.cap = distinctCap;
    }

    /** An accumulator holding the given scores. */
    public static ScoreAccumulator of(double... scores) {
        ScoreAccumulator a = new ScoreAccumulator();
        for (double s : scores) {
            a.add(s);
        }
        return a;
    }

    /** Adds one score; throws {@link IllegalArgumentException} unless it is finite and in [0,1]. */
    public ScoreAccumulator add(double score) {
        addCount(Validation.score(score), 1);
        return this;
    }

    private void addCount(double x, long c) {
        n += c;
        double y = x * c - sumC;
        double t = sum + y;
        sumC = (t - sum) - y;
        sum = t;
        double y2 = x * x * c - sumSqC;
        double t2 = sumSq + y2;
        sumSqC = (t2 - sumSq) - y2;
        sumSq = t2;
        if (x < min) {
            min = x;
        }
        if (x > max) {
            max = x;
        }
        cells[Grid.cellOf(x)] += c;
        cumulative = null;
        insert(x, c);
    }

    private void insert(double x, long c) {
        int i = Arrays.binarySearch(values, 0, distinct, x);
        if (i >= 0) {
            counts[i] += c;
            return;
        }
        if (distinct >= cap) {
            double r = Math.ceil(x * LATTICE) / LATTICE;
            if (r < x) {
                r = Math.nextUp(r);
            }
            if (r > 1.0) {
                r = 1.0;
            }
            if (r != x) {
                rounded = true;
                x = r;
                i = Arrays.binarySearch(values, 0, distinct, x);
                if (i >= 0) {
                    counts[i] += c;
                    return;
                }
            }
        }
        int at = -i - 1;
        if (distinct == values.length) {
            values = Arrays.copyOf(values, distinct * 2);
            counts = Arrays.copyOf(counts, distinct * 2);
        }
        System.arraycopy(values, at, values, at + 1, distinct - at);
        System.arraycopy(counts, at, counts, at + 1, distinct - at);
        values[at] = x;
        counts[at] = c;
        distinct++;
    }

    /** Adds every score of {@code other} to this accumulator (the other is unchanged). */
    public ScoreAccumulator merge(ScoreAccumulator other) {
        if (other.n == 0) {
            return this;
        }
        // Sums and grid counters merge exactly; the multiset merges value by value.
        long nBefore = n;
        double s = sum;
        double s2 = sumSq;
        for (int i = 0; i < other.distinct; i++) {
            insert(other.values[i], other.counts[i]);
        }
        for (int j = 0; j < Grid.SIZE; j++) {
            cells[j] += other.cells[j];
        }
        cumulative = null;
        n = nBefore + other.n;
        double y = (other.sum - other.sumC) - sumC;
        sum = s + y;
        sumC = (sum - s) - y;
        double y2 = (other.sumSq - other.sumSqC) - sumSqC;
        sumSq = s2 + y2;
        sumSqC = (sumSq - s2) - y2;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        rounded |= other.rounded;
        return this;
    }

    /** A deep copy. */
    public ScoreAccumulator copy() {
        return fromBytes(toBytes());
    }

    public long n() {
        return n;
    }

    /** The compensated running sum of the scores (for {@link EarlyStopping.Tally#of}). */
    double sum() {
        return sum;
    }

    /** The running compensation term of {@link #sum()}. */
    double sumCompensation() {
        return sumC;
    }

    /** Sample mean (0 when empty). */
    public double mean() {
        return n == 0 ? 0.0 : sum / n;
    }

    /** Population standard deviation (ddof = 0), as conbo reports it. */
    public double std() {
        return Math.sqrt(variance());
    }

    /** Population variance max(0, mean(x²) − mean(x)²), computed the way numpy/conbo does. */
    public double variance() {
        if (n == 0) {
            return 0.0;
        }
        double m = sum / n;
        return Math.max(0.0, sumSq / n - m * m);
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    /** True once a value was rounded up onto the lattice because the distinct-value cap was reached. */
    public boolean isRounded() {
        return rounded;
    }

    /** Number of distinct values held. */
    public int distinctValues() {
        return distinct;
    }

    /**
     * All 100 cumulative grid counts #{x ≤ T_j}. Cached until the next update, because one bound computation reads
     * them several times; callers must not modify the array.
     */
    long[] cumulativeGridCounts() {
        long[] out = cumulative;
        if (out == null) {
            out = new long[Grid.SIZE];
            long c = 0;
            for (int j = 0; j < Grid.SIZE; j++) {
                c += cells[j];
                out[j] = c;
            }
            cumulative = out;
        }
        return out;
    }

    /** #{x ≤ t}, from the multiset (exact unless {@link #isRounded()}, then a lower count). */
    public long countAtMost(double t) {
        long c = 0;
        for (int i = 0; i < distinct && values[i] <= t; i++) {
            c += counts[i];
        }
        return c;
    }

    /** #{x < t}, from the multiset (exact unless {@link #isRounded()}). */
    public long countBelow(double t) {
        long c = 0;
        for (int i = 0; i < distinct && values[i] < t; i++) {
            c += counts[i];
        }
        return c;
    }

    /** #{x ≥ t}: the leak count k for threshold τ = t. */
    public long countAtLeast(double t) {
        return n - countBelow(t);
    }

    /**
     * A count that is certainly ≤ #{x ≥ t}: exact while {@link #isRounded()} is false; past the cap a stored value v
     * may stand for any original score in (v − 1/{@value #LATTICE}, v], so only values ≥ t + 1/{@value #LATTICE} count.
     * Lower bounds on P(X ≥ τ) use this count, upper bounds use {@link #countAtLeast}.
     */
    public long countAtLeastSurely(double t) {
        return rounded ? n - countBelow(t + 1.0 / LATTICE) : countAtLeast(t);
    }

    /** The sorted distinct values, valid in [0, {@link #distinctValues()}); shared, callers must not modify it. */
    double[] valuesView() {
        return values;
    }

    /** Counts aligned with {@link #valuesView()}; shared, callers must not modify it. */
    long[] countsView() {
        return counts;
    }

    /** Sorted distinct values (a copy). */
    double[] distinctSorted() {
        return Arrays.copyOf(values, distinct);
    }

    /** Counts aligned with {@link #distinctSorted()} (a copy). */
    long[] distinctCounts() {
        return Arrays.copyOf(counts, distinct);
    }

    /**
     * Compact, versioned binary form for state stores: ≈ 100 varints plus 9 bytes per distinct value. Written into one
     * array sized up front (no stream, no per-byte call): the aggregator serializes a request's accumulator on every
     * counted sample, so this is on its hot path.
     */
    public byte[] toBytes() {
        byte[] out = new byte[2 + 10 + 10 + 6 * 8 + Grid.SIZE * 10 + 10 + distinct * 18];
        int p = 0;
        out[p++] = FORMAT_VERSION;
        out[p++] = (byte) (rounded ? 1 : 0);
        p = putVarLong(out, p, cap);
        p = putVarLong(out, p, n);
        p = putDouble(out, p, sum);
        p = putDouble(out, p, sumC);
        p = putDouble(out, p, sumSq);
        p = putDouble(out, p, sumSqC);
        p = putDouble(out, p, min);
        p = putDouble(out, p, max);
        for (long c : cells) {
            p = putVarLong(out, p, c);
        }
        p = putVarLong(out, p, distinct);
        for (int i = 0; i < distinct; i++) {
            p = putDouble(out, p, values[i]);
            p = putVarLong(out, p, counts[i]);
        }
        return Arrays.copyOf(out, p);
    }

    /** Reads the form written by {@link #toBytes()}; throws {@link IllegalArgumentException} on corrupt input. */
    public static ScoreAccumulator fromBytes(byte[] bytes) {
        Reader in = new Reader(bytes);
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown ScoreAccumulator format version " + version);
        }
        boolean rounded = in.readByte() != 0;
        long cap = in.readVarLong();
        if (cap < 1 || cap > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("corrupt ScoreAccumulator state: distinct-value cap " + cap);
        }
        ScoreAccumulator a = new ScoreAccumulator((int) cap);
        a.rounded = rounded;
        a.n = in.readVarLong();
        a.sum = in.readDouble();
        a.sumC = in.readDouble();
        a.sumSq = in.readDouble();
        a.sumSqC = in.readDouble();
        a.min = in.readDouble();
        a.max = in.readDouble();
        for (int j = 0; j < Grid.SIZE; j++) {
            a.cells[j] = in.readVarLong();
        }
        long m = in.readVarLong();
        if (m < 0 || m > (bytes.length - in.pos) / 9) {
            throw new IllegalArgumentException("corrupt ScoreAccumulator state: " + m + " distinct values");
        }
        int dm = (int) m;
        a.values = new double[Math.max(8, dm)];
        a.counts = new long[Math.max(8, dm)];
        for (int i = 0; i < dm; i++) {
            a.values[i] = in.readDouble();
            a.counts[i] = in.readVarLong();
        }
        a.distinct = dm;
        if (in.pos != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after ScoreAccumulator state");
        }
        return a;
    }

    private static int putVarLong(byte[] out, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    /** Big-endian IEEE 754 bits, as DataOutputStream.writeDouble wrote them (format version 1 is unchanged). */
    private static int putDouble(byte[] out, int p, double d) {
        long v = Double.doubleToLongBits(d);
        for (int s = 56; s >= 0; s -= 8) {
            out[p++] = (byte) (v >>> s);
        }
        return p;
    }

    /** Bounds-checked cursor over a serialized accumulator; a short read is a corrupt state, not an index error. */
    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        byte readByte() {
            if (pos >= b.length) {
                throw new IllegalArgumentException("corrupt ScoreAccumulator state: truncated");
            }
            return b[pos++];
        }

        double readDouble() {
            if (pos + 8 > b.length) {
                throw new IllegalArgumentException("corrupt ScoreAccumulator state: truncated");
            }
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[pos++] & 0xff);
            }
            return Double.longBitsToDouble(v);
        }

        long readVarLong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = readByte() & 0xff;
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("corrupt ScoreAccumulator state: varint too long");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreAccumulator other && Arrays.equals(toBytes(), other.toBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toBytes());
    }

    @Override
    public String toString() {
        return "ScoreAccumulator{n=" + n + ", mean=" + mean() + ", distinct=" + distinct + (rounded ? ", rounded" : "")
                + "}";
    }
}
