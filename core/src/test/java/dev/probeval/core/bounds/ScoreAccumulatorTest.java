package dev.probeval.core.bounds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreAccumulatorTest {
    /** Bytes the DataOutputStream-based writer produced for format version 1, so stored states stay readable. */
    private static final String FORMAT_1_GOLDEN =
            "01008020064000fcd6e9b9cb1b3c700000000000003ff63e6df42457f8bc7800000000000000000000000000003ff0000000"
                    + "0000000100000000000000000000000001000000000000000000000002000000000000000000000000000000000000000000"
                    + "0000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                    + "000001050000000000000000013fbf9add3739635f013fd0000000000000023fe0000000000000013ff000000000000001";

    @Test
    void shouldWriteAndReadFormatOneByteForByteAsBefore() {
        ScoreAccumulator a = ScoreAccumulator.of(0.5, 0.25, 1.0, 0.25, 0.0, 0.123456789);
        assertEquals(FORMAT_1_GOLDEN, java.util.HexFormat.of().formatHex(a.toBytes()));
        ScoreAccumulator back =
                ScoreAccumulator.fromBytes(java.util.HexFormat.of().parseHex(FORMAT_1_GOLDEN));
        assertEquals(a, back);
        assertEquals(6, back.n());
        assertThrows(
                IllegalArgumentException.class,
                () -> ScoreAccumulator.fromBytes(java.util.Arrays.copyOf(a.toBytes(), a.toBytes().length - 3)));
    }

    private static final BoundConfig ALL_THRESHOLDS =
            BoundConfig.defaults().withThresholds(List.of(0.0, 0.25, 0.5, 0.9));

    @Test
    void shouldPlaceScoresOnTheReferenceGridWithLessOrEqual() {
        for (int j = 0; j < Grid.SIZE; j++) {
            assertEquals(j, Grid.cellOf(Grid.T[j]), "grid point " + j);
            if (j > 0) {
                assertEquals(j, Grid.cellOf(Math.nextUp(Grid.T[j - 1])), "just above grid point " + (j - 1));
            }
        }
        assertEquals(0, Grid.cellOf(0.0));
        assertEquals(99, Grid.cellOf(1.0));
    }

    @Test
    void shouldGiveSameBoundsWhenMergedAsWhenAddedSequentially() {
        Random rnd = new Random(7);
        ScoreAccumulator all = new ScoreAccumulator();
        ScoreAccumulator left = new ScoreAccumulator();
        ScoreAccumulator right = new ScoreAccumulator();
        for (int i = 0; i < 3000; i++) {
            double x = rnd.nextInt(4) == 0 ? 0.0 : Math.round(rnd.nextDouble() * 40) / 40.0;
            all.add(x);
            (i % 3 == 0 ? left : right).add(x);
        }
        ScoreAccumulator merged = left.copy().merge(right);
        assertEquals(all.n(), merged.n());
        assertEquals(all.mean(), merged.mean(), 1e-15);
        assertArrayEquals(all.cumulativeGridCounts(), merged.cumulativeGridCounts());
        assertArrayEquals(all.distinctSorted(), merged.distinctSorted());
        assertArrayEquals(all.distinctCounts(), merged.distinctCounts());
        for (BoundMode mode : BoundMode.values()) {
            BoundReport a = Bounds.compute(all, ALL_THRESHOLDS.withMode(mode));
            BoundReport b = Bounds.compute(merged, ALL_THRESHOLDS.withMode(mode));
            assertEquals(a.mMu(), b.mMu(), 1e-12, mode + " M_mu");
            assertEquals(a.mSigma(), b.mSigma(), 1e-12, mode + " M_sigma");
            assertEquals(a.mBin(), b.mBin(), 1e-12, mode + " M_bin");
            assertEquals(a.mGen(), b.mGen(), mode + " M_gen");
        }
    }

    @Test
    void shouldRoundTripThroughBytes() {
        ScoreAccumulator acc = ScoreAccumulator.of(0.0, 0.25, 0.25, 1.0, 0.4210526315789474);
        byte[] bytes = acc.toBytes();
        ScoreAccumulator back = ScoreAccumulator.fromBytes(bytes);
        assertEquals(acc, back);
        assertArrayEquals(bytes, back.toBytes());
        assertEquals(Bounds.compute(acc, ALL_THRESHOLDS), Bounds.compute(back, ALL_THRESHOLDS));
        assertTrue(bytes.length < 200, "compact state, got " + bytes.length + " bytes");
    }

    @Test
    void shouldRejectCorruptBytes() {
        assertThrows(IllegalArgumentException.class, () -> ScoreAccumulator.fromBytes(new byte[] {9}));
        byte[] ok = ScoreAccumulator.of(0.5).toBytes();
        assertThrows(
                IllegalArgumentException.class,
                () -> ScoreAccumulator.fromBytes(java.util.Arrays.copyOf(ok, ok.length - 3)));
    }

    @Test
    void shouldRejectScoresOutsideUnitIntervalNamingTheValue() {
        ScoreAccumulator acc = new ScoreAccumulator();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> acc.add(1.5));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> acc.add(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> acc.add(-0.01));
        assertEquals(0, acc.n(), "rejected scores are not counted");
        assertThrows(IllegalArgumentException.class, () -> Bounds.compute(acc, BoundConfig.defaults()));
    }

    @Test
    void shouldCapDistinctValuesAndKeepUpperBoundsConservative() {
        Random rnd = new Random(3);
        ScoreAccumulator capped = new ScoreAccumulator(64);
        ScoreAccumulator exact = new ScoreAccumulator(1 << 20);
        for (int i = 0; i < 20000; i++) {
            double x = rnd.nextDouble();
            capped.add(x);
            exact.add(x);
        }
        assertTrue(capped.isRounded());
        assertFalse(exact.isRounded());
        assertTrue(capped.distinctValues() <= 64 + ScoreAccumulator.LATTICE + 1, "bounded state");
        for (BoundMode mode : BoundMode.values()) {
            BoundConfig cfg = ALL_THRESHOLDS.withMode(mode);
            BoundReport c = Bounds.compute(capped, cfg);
            BoundReport e = Bounds.compute(exact, cfg);
            assertTrue(c.approximate());
            assertTrue(c.mMu() >= e.mMu() - 1e-15, mode + " M_mu stays an upper bound");
            assertTrue(c.mMu() <= e.mMu() + 1.0 / ScoreAccumulator.LATTICE + 1e-12, mode + " and is close");
            assertTrue(c.mBin() >= e.mBin() - 1e-15, mode + " M_bin stays an upper bound");
            assertTrue(c.mBinLower() <= e.mBinLower() + 1e-15, mode + " M_bin lower end stays a lower bound");
            assertTrue(c.mBinLower() > 0.4, mode + " and is still informative: " + c.mBinLower());
            assertTrue(c.mMuLower() <= e.mMuLower() + 1e-15, mode + " lower bound stays conservative");
            for (double t : cfg.thresholds()) {
                assertTrue(c.mGen().get(t) >= e.mGen().get(t) - 1e-15, mode + " M_gen(" + t + ")");
            }
        }
        // CONBO reads only the exact grid counters, so it is unaffected by the cap.
        BoundConfig conbo = BoundConfig.defaults().withMode(BoundMode.CONBO);
        assertEquals(
                Bounds.compute(exact, conbo).mMu(),
                Bounds.compute(capped, conbo).mMu(),
                0.0);
    }

    @Test
    void shouldNotClaimLeaksFromScoresRoundedUpOntoTheLeakThreshold() {
        // Past the cap, scores just below tau are rounded up onto tau: they may count for upper bounds only.
        ScoreAccumulator acc = new ScoreAccumulator(1);
        acc.add(0.0);
        for (int i = 1; i <= 1000; i++) {
            acc.add(0.5 - i * 1e-9);
        }
        assertTrue(acc.isRounded());
        assertEquals(1000, acc.countAtLeast(0.5), "rounded-up scores count for the upper bound");
        assertEquals(0, acc.countAtLeastSurely(0.5), "but not as certain leaks");
        for (BoundMode mode : BoundMode.values()) {
            BoundReport r = Bounds.compute(acc, BoundConfig.defaults().withMode(mode));
            assertEquals(0.0, r.mBinLower(), 0.0, mode + ": no score reached tau, so no positive lower bound");
            assertTrue(r.mBin() > 0.99, mode + " upper end stays conservative");
            assertTrue(r.approximate());
        }
    }
}
