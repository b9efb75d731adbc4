package dev.probeval.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cap on client-chosen label values and their sanitising. */
class BoundedTagValuesTest {

    @Test
    void theFirstValuesAreKeptAndEveryLaterOneIsOther() {
        BoundedTagValues v = new BoundedTagValues(2);
        assertEquals("m1", v.value("m1"));
        assertEquals("m2", v.value("m2"));
        assertEquals(BoundedTagValues.OTHER, v.value("m3"));
        assertEquals("m1", v.value("m1"), "a kept value stays kept");
        assertEquals(BoundedTagValues.OTHER, v.value("m4"));
        assertEquals(2, v.size());
        assertEquals(2, v.overflowed());
    }

    @Test
    void combinationsAreCappedAsAWholeAndOverflowEveryPart() {
        BoundedTagValues v = new BoundedTagValues(1);
        assertArrayEquals(new String[] {"m1", "tofu", "forget"}, v.values("m1", "tofu", "forget"));
        assertArrayEquals(new String[] {"_other", "_other", "_other"}, v.values("m1", "tofu", "retain"));
        // the separator cannot be forged by a value containing it: NUL is sanitised first
        BoundedTagValues two = new BoundedTagValues(2);
        two.values("a\u0000b", "c");
        assertArrayEquals(new String[] {"a", "b_c"}, two.values("a", "b\u0000c"));
        assertEquals(2, two.size(), "'a_b'+'c' and 'a'+'b_c' are different combinations");
    }

    @Test
    void controlCharactersAndHugeValuesAreMadeSafe() {
        assertEquals("a_b_c", BoundedTagValues.sanitize("a\u0000b\nc"));
        String huge = "x".repeat(1 << 20);
        String s = BoundedTagValues.sanitize(huge);
        assertEquals(BoundedTagValues.MAX_LENGTH, s.length());
        assertTrue(s.endsWith("..."), s);
        assertEquals("", BoundedTagValues.sanitize(null));
        String plain = "llama-3.1-8b/ft:v2";
        assertEquals(plain, BoundedTagValues.sanitize(plain), "ordinary values pass unchanged");
        // a cut never leaves half a surrogate pair, and a lone surrogate is replaced
        String emoji = "a".repeat(BoundedTagValues.MAX_LENGTH - 4) + "\uD83D\uDE00" + "tail";
        String cut = BoundedTagValues.sanitize(emoji);
        assertTrue(!Character.isHighSurrogate(cut.charAt(cut.length() - 4)), cut);
        assertEquals("_x", BoundedTagValues.sanitize("\uDE00x"));
    }

    @Test
    void manyThreadsNeverKeepMoreThanTheCap() throws Exception {
        BoundedTagValues v = new BoundedTagValues(100);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        v.value("v-" + thread + "-" + i);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(100, v.size());
        assertEquals(80_000 - 100, v.overflowed());
    }

    @Test
    void aCapBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BoundedTagValues(0));
        assertTrue(e.getMessage().contains(">= 1"), e.getMessage());
    }
}
