package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The request state's sparse seen-set and binary forms (2, and 1 still read). */
class RequestStateTest {
    @Test
    void shouldNotAllocateInProportionToNumSamplesBeforeSamplesArrive() {
        RequestState s = RequestState.create(Integer.MAX_VALUE);
        // ~200 bytes of accumulator and header, not numSamples / 8 = 268 MB
        assertTrue(s.toBytes().length < 1024, "bytes: " + s.toBytes().length);
        s.addSample(Integer.MAX_VALUE - 1, 0.5, true, 1);
        s.addSample(7, 0.25, false, 2);
        byte[] b = s.toBytes();
        assertTrue(b.length < 1024, "two samples cost " + b.length + " bytes");
        RequestState back = RequestState.fromBytes(b);
        assertTrue(back.hasSeen(Integer.MAX_VALUE - 1));
        assertTrue(back.hasSeen(7));
        assertFalse(back.hasSeen(8));
        assertFalse(back.hasSeen(Integer.MAX_VALUE - 2));
        assertEquals(2, back.n());
        assertEquals(1, back.k());
    }

    @Test
    void shouldBeAnExactSetOfIndexesInAnyArrivalOrder() {
        SplittableRandom rnd = new SplittableRandom(7);
        SeenIndexes seen = new SeenIndexes();
        BitSet ref = new BitSet();
        for (int i = 0; i < 20_000; i++) {
            int idx = i % 3 == 0 ? rnd.nextInt(100_000) : (i * 5) % 100_000;
            assertEquals(!ref.get(idx), seen.add(idx), "add " + idx);
            ref.set(idx);
        }
        ByteBuffer b = ByteBuffer.allocate(seen.serializedSize());
        seen.writeTo(b);
        b.flip();
        SeenIndexes back = SeenIndexes.readFrom(b);
        for (int idx = 0; idx < 100_000; idx++) {
            assertEquals(ref.get(idx), back.contains(idx), "index " + idx);
        }
    }

    @Test
    void shouldReadTheDenseFormatOneState() {
        // format 1: format, targetN, n, k, max, greedy, pending, lastProducedAt, #words, words, #acc, acc
        byte[] acc = RequestAccumulator.empty().toBytes();
        RequestAccumulator a = RequestAccumulator.empty();
        a.add(0.5);
        a.add(0.75);
        acc = a.toBytes();
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 4 + 8 + 8 + 1 + 8 + 4 + 2 * 8 + 4 + acc.length);
        b.put((byte) 1)
                .putInt(100)
                .putInt(2)
                .putInt(1)
                .putDouble(0.75)
                .putDouble(Double.NaN)
                .put((byte) 1)
                .putLong(42)
                .putInt(2)
                .putLong(1L << 3)
                .putLong(1L << (70 - 64))
                .putInt(acc.length)
                .put(acc);
        RequestState s = RequestState.fromBytes(b.array());
        assertEquals(100, s.targetN());
        assertEquals(2, s.n());
        assertTrue(s.hasSeen(3) && s.hasSeen(70));
        assertFalse(s.hasSeen(4));
        assertTrue(s.pending());
        assertEquals(42, s.lastProducedAt());
        assertEquals(2, s.accumulator().n());
        // written back in form 2, and the same set again
        RequestState again = RequestState.fromBytes(s.toBytes());
        assertTrue(again.hasSeen(3) && again.hasSeen(70) && !again.hasSeen(69));
    }

    @Test
    void shouldRejectACorruptSeenSet() {
        RequestState s = RequestState.create(10);
        s.addSample(1, 0.5, false, 1);
        byte[] b = s.toBytes();
        // the word count sits right after the 38-byte header
        ByteBuffer.wrap(b).putInt(38, 1_000_000);
        assertThrows(SerializationException.class, () -> RequestState.fromBytes(b));
    }

    @Test
    void shouldRefuseAnIndexOutsideTheRequest() {
        RequestState s = RequestState.create(10);
        assertThrows(IllegalArgumentException.class, () -> s.addSample(10, 0.5, false, 1));
        assertThrows(IllegalArgumentException.class, () -> s.addSample(-1, 0.5, false, 1));
    }
}
