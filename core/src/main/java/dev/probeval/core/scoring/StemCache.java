package dev.probeval.core.scoring;

import java.util.Arrays;

/**
 * A thread-safe, bounded memo of ROUGE tokens and their {@link PorterStemmer} stems: scoring sees the same few
 * thousand words over and over, so after warm-up a token costs one table probe and no allocation.
 *
 * <p>A fixed table of {@code capacity} slots, two-way set-associative: a word can live in two neighbouring slots, and
 * a new word evicts one of them when both are taken. Memory is therefore bounded by the capacity. Entries are
 * immutable (final fields), so threads share the table without locks: a racing reader sees either a complete entry
 * or the previous one, and at worst a word is stemmed twice; stemming is pure, so results never differ.
 */
final class StemCache {

    /** Slots of the {@link #shared()} cache: ample for an answer-length vocabulary (a few MiB when full). */
    public static final int DEFAULT_CAPACITY = 1 << 16;

    private static final StemCache SHARED = new StemCache(DEFAULT_CAPACITY);

    private static final class Entry {
        final int hash;
        final String word;
        final String stem;

        Entry(int hash, String word, String stem) {
            this.hash = hash;
            this.word = word;
            this.stem = stem;
        }
    }

    private final Entry[] table;
    private final int mask;

    /** A cache of at most {@code capacity} words, rounded up to a power of two (at least 2). */
    public StemCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        int size = Math.max(2, Integer.highestOneBit(Math.max(1, capacity - 1)) << 1);
        table = new Entry[size];
        mask = size - 1;
    }

    /** The process-wide cache that scorers use unless given another. */
    public static StemCache shared() {
        return SHARED;
    }

    /** The NLTK-mode Porter stem of {@code word}. */
    public String stem(String word) {
        int h = word.hashCode();
        Entry e = find(h, word);
        if (e != null) {
            return e.stem;
        }
        return insert(h, word, PorterStemmer.stem(word)).stem;
    }

    /**
     * The ROUGE token for the characters {@code buf[0, len)} (lowercase [a-z0-9], {@code hash} as {@link
     * String#hashCode()} computes it): the stem when longer than three characters, else the word itself.
     */
    String token(char[] buf, int len, int hash) {
        int i = index(hash);
        Entry e = table[i];
        if (e != null && e.hash == hash && sameChars(e.word, buf, len)) {
            return e.stem;
        }
        e = table[i ^ 1];
        if (e != null && e.hash == hash && sameChars(e.word, buf, len)) {
            return e.stem;
        }
        String word = new String(buf, 0, len);
        return insert(hash, word, len > 3 ? PorterStemmer.stem(word) : word).stem;
    }

    /** Number of words held now (at most the capacity). */
    public int size() {
        return (int) Arrays.stream(table).filter(e -> e != null).count();
    }

    private Entry find(int hash, String word) {
        int i = index(hash);
        Entry e = table[i];
        if (e != null && e.hash == hash && e.word.equals(word)) {
            return e;
        }
        e = table[i ^ 1];
        if (e != null && e.hash == hash && e.word.equals(word)) {
            return e;
        }
        return null;
    }

    private Entry insert(int hash, String word, String stem) {
        Entry e = new Entry(hash, word, stem);
        int i = index(hash);
        // Fill an empty slot of the pair first; otherwise evict the home slot.
        if (table[i] != null && table[i ^ 1] == null) {
            i ^= 1;
        }
        table[i] = e;
        return e;
    }

    private int index(int hash) {
        return (hash ^ (hash >>> 16)) & mask;
    }

    private static boolean sameChars(String word, char[] buf, int len) {
        if (word.length() != len) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if (word.charAt(k) != buf[k]) {
                return false;
            }
        }
        return true;
    }
}
