package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class StemCacheTest {

    @Test
    void shouldReturnTheStemmerResultAndReuseIt() {
        StemCache cache = new StemCache(100);
        String first = cache.stem("generously");
        assertEquals("gener", first);
        assertSame(first, cache.stem("generously"));
        assertEquals(1, cache.size());
    }

    @Test
    void shouldStayBoundedAndCorrectUnderEviction() {
        StemCache cache = new StemCache(50); // rounded up to 64 slots
        for (int i = 0; i < 10_000; i++) {
            String w = "word" + i + "ing";
            assertEquals(PorterStemmer.stem(w), cache.stem(w));
            assertEquals("relat", cache.stem("relational"));
            assertTrue(cache.size() <= 64, "size " + cache.size());
        }
    }

    @Test
    void shouldServeTokenizerLookupsFromTheSameEntries() {
        StemCache cache = new StemCache(16);
        RougeTokenizer tok = RougeTokenizer.stemming(cache);
        String[] first = tok.tokenize("Running runs ran");
        String[] second = tok.tokenize("running RUNS ran");
        assertEquals(java.util.List.of("run", "run", "ran"), java.util.List.of(first));
        for (int i = 0; i < first.length; i++) {
            assertSame(first[i], second[i], "warm lookups allocate no new token strings");
        }
        assertSame(first[0], cache.stem("running"));
    }

    @Test
    void shouldGiveTheSameStemsFromManyThreads() throws Exception {
        StemCache cache = new StemCache(64);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            words.add("conditional" + (char) ('a' + i % 26) + i % 97 + "ness");
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int wrong = 0;
                    for (int round = 0; round < 5; round++) {
                        for (String w : words) {
                            if (!cache.stem(w).equals(PorterStemmer.stem(w))) {
                                wrong++;
                            }
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(0, f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertTrue(cache.size() <= 64, "size " + cache.size());
    }
}
