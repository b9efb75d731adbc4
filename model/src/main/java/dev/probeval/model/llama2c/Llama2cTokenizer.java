package dev.probeval.model.llama2c;

import dev.probeval.model.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The SentencePiece-style BPE tokenizer of llama2.c ({@code tokenizer.bin} / {@code tok512.bin}), behaving as
 * llama2.c's {@code run.c}: optional BOS (id 1), a dummy-prefix space token before non-empty text, one token per
 * UTF-8 code point (or its bytes as {@code <0xHH>} tokens, id = byte + 3, when the code point is not a piece),
 * then repeated merging of the adjacent pair whose concatenation is the piece with the highest score (leftmost on
 * ties; see {@link #encode}, which does this in O(n log n)), optional EOS (id 2). Decoding drops the leading space of a piece that follows BOS and turns
 * {@code <0xHH>} pieces into raw bytes; the bytes of a continuation are read as UTF-8.
 *
 * <p>File format: int32 max token length, then per token: float32 score, int32 byte length, the bytes.
 */
public final class Llama2cTokenizer implements TextTokenizer {
    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;

    private final byte[][] pieces;
    private final float[] scores;
    private final Map<String, Integer> lookup;
    /** Raw byte for {@code <0xHH>} pieces, else -1. */
    private final int[] byteValue;

    private final int maxTokenLength;
    /** run.c's starting best score: a pair must score strictly above it to merge. */
    private static final float NO_MERGE_SCORE = -1e10f;

    /** A vocabulary given as pieces and scores (ids are positions); {@link #read} is the usual way in. */
    Llama2cTokenizer(byte[][] pieces, float[] scores, int maxTokenLength) {
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.lookup = new HashMap<>();
        this.byteValue = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            // Keys are the pieces' bytes as ISO-8859-1 so arbitrary byte strings map one-to-one onto Java strings.
            lookup.putIfAbsent(key(pieces[i]), i);
            byteValue[i] = parseByteToken(pieces[i]);
        }
    }

    /** Reads a llama2.c vocabulary file holding {@code vocabSize} tokens. */
    public static Llama2cTokenizer read(Path file, int vocabSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "llama2.c tokenizer not found");
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int maxLen = b.getInt();
            byte[][] pieces = new byte[vocabSize][];
            float[] scores = new float[vocabSize];
            for (int i = 0; i < vocabSize; i++) {
                scores[i] = b.getFloat();
                int len = b.getInt();
                if (len < 0 || len > maxLen) {
                    throw new IOException(file + ": token " + i + " has length " + len + " (max " + maxLen + ")");
                }
                pieces[i] = new byte[len];
                b.get(pieces[i]);
            }
            if (b.hasRemaining()) {
                throw new IOException(file + ": " + b.remaining() + " bytes left after " + vocabSize
                        + " tokens; does the vocabulary belong to this checkpoint?");
            }
            return new Llama2cTokenizer(pieces, scores, maxLen);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(file + ": truncated; expected " + vocabSize + " tokens", e);
        }
    }

    @Override
    public int[] encode(String text, boolean bos, boolean eos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        // Before merging: BOS, the dummy space, then one symbol per code point (or per byte); at most 2 + bytes.
        int[] ids = new int[utf8.length + 2];
        int count = 0;
        if (bos) {
            ids[count++] = BOS;
        }
        if (!text.isEmpty()) {
            Integer space = lookup.get(" ");
            if (space == null) {
                throw new IllegalStateException("vocabulary has no \" \" piece for the dummy prefix");
            }
            ids[count++] = space;
        }
        int i = 0;
        while (i < utf8.length) {
            // One code point: a lead byte plus its continuation bytes (at most 4 bytes in all), as run.c groups them.
            int j = i + 1;
            while (j < utf8.length && (utf8[j] & 0xC0) == 0x80 && j - i < 4) {
                j++;
            }
            Integer id = lookup.get(new String(utf8, i, j - i, StandardCharsets.ISO_8859_1));
            if (id != null) {
                ids[count++] = id;
            } else {
                for (int k = i; k < j; k++) {
                    ids[count++] = (utf8[k] & 0xff) + 3;
                }
            }
            i = j;
        }
        int[] merged = merge(ids, count);
        if (!eos) {
            return merged;
        }
        int[] out = Arrays.copyOf(merged, merged.length + 1);
        out[merged.length] = EOS;
        return out;
    }

    /**
     * run.c's merge loop: while some adjacent pair concatenates to a piece, replace the pair whose piece scores
     * highest (the leftmost of equal scores) by that piece. run.c rescans every pair for every merge, which is
     * quadratic in the text; here the symbols are a linked list over their original slots and the candidate pairs sit
     * in a heap ordered by score, then by slot (slots keep the text's order, so the lowest slot is the leftmost
     * pair). A merge bumps the version of the slot it rewrites, so heap entries of pairs that no longer exist are
     * recognised and skipped when they surface; each merge pushes at most two pairs, so the whole is O(n log n).
     */
    private int[] merge(int[] ids, int count) {
        int[] prev = new int[count];
        int[] next = new int[count];
        int[] version = new int[count];
        for (int k = 0; k < count; k++) {
            prev[k] = k - 1;
            next[k] = k + 1 < count ? k + 1 : -1;
        }
        PriorityQueue<Pair> heap = new PriorityQueue<>(Math.max(1, count));
        for (int k = 0; k + 1 < count; k++) {
            offer(heap, ids, version, k, k + 1);
        }
        int live = count;
        while (!heap.isEmpty()) {
            Pair p = heap.poll();
            if (ids[p.left] < 0
                    || ids[p.right] < 0
                    || version[p.left] != p.leftVersion
                    || version[p.right] != p.rightVersion) {
                continue;
            }
            ids[p.left] = p.merged;
            version[p.left]++;
            ids[p.right] = -1;
            int after = next[p.right];
            next[p.left] = after;
            if (after >= 0) {
                prev[after] = p.left;
            }
            live--;
            if (prev[p.left] >= 0) {
                offer(heap, ids, version, prev[p.left], p.left);
            }
            if (after >= 0) {
                offer(heap, ids, version, p.left, after);
            }
        }
        int[] out = new int[live];
        for (int k = 0, o = 0; k < count; k++) {
            if (ids[k] >= 0) {
                out[o++] = ids[k];
            }
        }
        return out;
    }

    /** Pushes the pair at slots {@code left, right} if it concatenates to a piece run.c would merge. */
    private void offer(PriorityQueue<Pair> heap, int[] ids, int[] version, int left, int right) {
        Integer id = lookup.get(key(pieces[ids[left]], pieces[ids[right]]));
        // run.c's scan starts from a best score of -1e10 and takes only a strictly higher one: pieces scored at or
        // below it (or NaN) never merge.
        if (id != null && scores[id] > NO_MERGE_SCORE) {
            heap.add(new Pair(scores[id], left, right, version[left], version[right], id));
        }
    }

    /** A candidate merge; heap order: higher score first, then the leftmost slot. */
    private record Pair(float score, int left, int right, int leftVersion, int rightVersion, int merged)
            implements Comparable<Pair> {
        @Override
        public int compareTo(Pair o) {
            // Primitive comparisons, as run.c's: -0.0 and 0.0 tie (and fall to the leftmost), which Float.compare would
            // order. No NaN reaches here.
            if (score > o.score) {
                return -1;
            }
            if (score < o.score) {
                return 1;
            }
            return Integer.compare(left, o.left);
        }
    }

    @Override
    public String decode(int[] tokens, int previousToken) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = previousToken;
        for (int t : tokens) {
            appendPiece(out, prev, t);
            prev = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private void appendPiece(ByteArrayOutputStream out, int prev, int token) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException("token id " + token + " outside [0, " + pieces.length + ")");
        }
        if (byteValue[token] >= 0) {
            out.write(byteValue[token]);
            return;
        }
        byte[] p = pieces[token];
        int from = (prev == BOS && p.length > 0 && p[0] == ' ') ? 1 : 0;
        out.write(p, from, p.length - from);
    }

    /** The piece of a token as stored in the vocabulary (ISO-8859-1 view of its bytes). */
    public String piece(int token) {
        return key(pieces[token]);
    }

    public float score(int token) {
        return scores[token];
    }

    public int maxTokenLength() {
        return maxTokenLength;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    private static int parseByteToken(byte[] p) {
        // run.c recognises exactly "<0x%02hhX>": six bytes, two upper-case hex digits.
        if (p.length == 6 && p[0] == '<' && p[1] == '0' && p[2] == 'x' && p[5] == '>') {
            int hi = Character.digit(p[3], 16);
            int lo = Character.digit(p[4], 16);
            if (hi >= 0 && lo >= 0) {
                return hi * 16 + lo;
            }
        }
        return -1;
    }

    private static String key(byte[] a) {
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    private static String key(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return key(c);
    }
}
