package dev.probeval.aggregator;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An exact set of non-negative sample indexes whose memory grows with what was added, not with the largest index a
 * request allows: the set is stored as 64-bit words of a bitset, but only the words that hold at least one index,
 * with their word numbers in a parallel sorted array (a sparse bitset). Samples usually arrive roughly in index order,
 * so a new word is almost always appended at the end (O(1)); an out-of-order word is inserted by binary search.
 *
 * <p>Cost: 12 bytes per touched word, i.e. at most 12 bytes per index seen and ≈ 0.19 bytes per index when indexes
 * are dense; a request allowing 2^31−1 samples costs nothing until its samples arrive.
 */
final class SeenIndexes {
    private int[] wordNumbers;
    private long[] words;
    private int size;

    SeenIndexes() {
        this(new int[2], new long[2], 0);
    }

    private SeenIndexes(int[] wordNumbers, long[] words, int size) {
        this.wordNumbers = wordNumbers;
        this.words = words;
        this.size = size;
    }

    boolean contains(int index) {
        int w = find(index >>> 6);
        return w >= 0 && (words[w] & (1L << index)) != 0;
    }

    /** Adds {@code index} (≥ 0); returns false when it was present already. */
    boolean add(int index) {
        int wordNo = index >>> 6;
        int w = find(wordNo);
        if (w < 0) {
            w = -w - 1;
            if (size == words.length) {
                int cap = Math.max(4, size * 2);
                words = Arrays.copyOf(words, cap);
                wordNumbers = Arrays.copyOf(wordNumbers, cap);
            }
            System.arraycopy(words, w, words, w + 1, size - w);
            System.arraycopy(wordNumbers, w, wordNumbers, w + 1, size - w);
            words[w] = 0;
            wordNumbers[w] = wordNo;
            size++;
        }
        long bit = 1L << index;
        if ((words[w] & bit) != 0) {
            return false;
        }
        words[w] |= bit;
        return true;
    }

    /** Position of word {@code wordNo}, or -(insertion point) - 1; the last word is checked first (in-order arrival). */
    private int find(int wordNo) {
        if (size > 0 && wordNumbers[size - 1] == wordNo) {
            return size - 1;
        }
        if (size == 0 || wordNumbers[size - 1] < wordNo) {
            return -size - 1;
        }
        return Arrays.binarySearch(wordNumbers, 0, size, wordNo);
    }

    /** Number of stored words (for sizing and tests). */
    int words() {
        return size;
    }

    int serializedSize() {
        return 4 + size * 12;
    }

    void writeTo(ByteBuffer b) {
        b.putInt(size);
        for (int i = 0; i < size; i++) {
            b.putInt(wordNumbers[i]).putLong(words[i]);
        }
    }

    /** Reads what {@link #writeTo} wrote; rejects unsorted or negative word numbers (corrupt state). */
    static SeenIndexes readFrom(ByteBuffer b) {
        int size = b.getInt();
        if (size < 0 || size > b.remaining() / 12) {
            throw new IllegalArgumentException("corrupt seen-index set: " + size + " words");
        }
        int[] nos = new int[Math.max(2, size)];
        long[] ws = new long[Math.max(2, size)];
        for (int i = 0; i < size; i++) {
            nos[i] = b.getInt();
            ws[i] = b.getLong();
            if (nos[i] < 0 || (i > 0 && nos[i] <= nos[i - 1])) {
                throw new IllegalArgumentException("corrupt seen-index set: word numbers not increasing");
            }
        }
        return new SeenIndexes(nos, ws, size);
    }

    /** Converts the dense bitset of state format 1 (word i holds indexes 64i..64i+63), keeping only non-zero words. */
    static SeenIndexes fromDense(long[] dense) {
        SeenIndexes s = new SeenIndexes();
        for (int i = 0; i < dense.length; i++) {
            if (dense[i] != 0) {
                if (s.size == s.words.length) {
                    s.words = Arrays.copyOf(s.words, s.size * 2 + 2);
                    s.wordNumbers = Arrays.copyOf(s.wordNumbers, s.size * 2 + 2);
                }
                s.wordNumbers[s.size] = i;
                s.words[s.size++] = dense[i];
            }
        }
        return s;
    }
}
