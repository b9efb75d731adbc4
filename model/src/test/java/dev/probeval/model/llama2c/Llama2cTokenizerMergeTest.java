package dev.probeval.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.model.Stories260K;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Llama2cTokenizer#encode}'s heap-and-linked-list merge against run.c's rescan-every-pair loop
 * ({@link QuadraticBpeReference}): the same tokens for random text on the stories260K vocabulary, and on small
 * random vocabularies whose scores tie often, include -0.0 beside 0.0, and sit at or below run.c's -1e10 floor or
 * are NaN (pieces that never merge). Each case's seed is in its failure message; the runs are fixed-seeded, so a
 * failure repeats.
 */
class Llama2cTokenizerMergeTest {
    private static final String[] LETTERS = {"e", "t", "a", "o", "i", "n", "s", "h", "r", "d", "l", "u", " ", " "};
    private static final String[] WORDS = {" the", " Lily", " was", " and", " to", " a", " Once upon a time", " said"};
    private static final String[] PUNCTUATION = {".", ",", "\n", "\"", "!", "'", "  ", "\t"};
    private static final String[] RARE = {"ü", "é", "ñ", "—", "中", "文", "😀", "🎉", "\u0000", "\uFFFD", "\uD800"};
    private static final float[] SCORES = {1f, 0f, -0f, -1f, -1f, -1f, -2f, -2f, -3f, -1e10f, -3e10f, Float.NaN};

    static Llama2cTokenizer stories;
    static QuadraticBpeReference storiesReference;

    @BeforeAll
    static void load() throws IOException {
        stories = Llama2cTokenizer.read(Stories260K.tokenizer(), 512);
        storiesReference = new QuadraticBpeReference(stories);
    }

    @Test
    void randomTextOnTheStoriesVocabularyShouldMergeExactlyAsRunC() {
        for (int c = 0; c < 1000; c++) {
            long seed = 0x5EED_0000L + c;
            SplittableRandom rnd = new SplittableRandom(seed);
            String text = storyText(rnd, rnd.nextInt(c < 900 ? 300 : 1500));
            boolean bos = rnd.nextBoolean();
            boolean eos = rnd.nextBoolean();
            assertArrayEquals(
                    storiesReference.encode(text, bos, eos),
                    stories.encode(text, bos, eos),
                    () -> "seed " + seed + ": '" + text + "'");
        }
    }

    @Test
    void tiedFlooredAndNanScoresShouldResolveExactlyAsRunC() {
        for (int c = 0; c < 2000; c++) {
            long seed = 0xAB_0000L + c;
            SplittableRandom rnd = new SplittableRandom(seed);
            Vocab vocab = randomVocab(rnd);
            Llama2cTokenizer tok = vocab.tokenizer();
            QuadraticBpeReference reference = new QuadraticBpeReference(tok);
            for (int t = 0; t < 5; t++) {
                String text = abcText(rnd, rnd.nextInt(120));
                boolean bos = rnd.nextBoolean();
                assertArrayEquals(
                        reference.encode(text, bos, false),
                        tok.encode(text, bos, false),
                        () -> "seed " + seed + ", " + vocab + " on '" + text + "'");
            }
        }
    }

    @Test
    void theReferenceStoriesAndALongStoryShouldMergeExactlyAsRunC() throws IOException {
        StringBuilder all = new StringBuilder();
        for (Stories260K.Case c : Stories260K.referenceCases()) {
            assertArrayEquals(
                    storiesReference.encode(c.output(), true, false),
                    stories.encode(c.output(), true, false),
                    c.output());
            all.append(c.output());
        }
        while (all.length() < 5000) {
            all.append(all);
        }
        String story = all.toString();
        int[] ids = stories.encode(story, true, false);
        assertArrayEquals(storiesReference.encode(story, true, false), ids);
        assertTrue(ids.length < story.length() / 2, "a story merges into far fewer tokens than characters");
    }

    @Test
    void tiesShouldMergeTheLeftmostPairFirst() {
        // "ab" and "bc" score alike: in "abc" the leftmost pair, "ab", merges and "bc" never forms; with "bc" scored
        // higher, "bc" merges instead.
        Llama2cTokenizer tie = Vocab.of(List.of("ab", "bc"), List.of(-1f, -1f)).tokenizer();
        assertArrayEquals(new int[] {id(tie, " "), id(tie, "ab"), id(tie, "c")}, tie.encode("abc", false, false));
        Llama2cTokenizer bc = Vocab.of(List.of("ab", "bc"), List.of(-2f, -1f)).tokenizer();
        assertArrayEquals(new int[] {id(bc, " "), id(bc, "a"), id(bc, "bc")}, bc.encode("abc", false, false));
        // -0.0 and 0.0 tie too (run.c compares with >), so the leftmost wins.
        Llama2cTokenizer zero = Vocab.of(List.of("ab", "bc"), List.of(-0f, 0f)).tokenizer();
        assertArrayEquals(new int[] {id(zero, " "), id(zero, "ab"), id(zero, "c")}, zero.encode("abc", false, false));
        // Scored at run.c's floor, a piece never merges.
        Llama2cTokenizer floor = Vocab.of(List.of("ab"), List.of(-1e10f)).tokenizer();
        assertArrayEquals(new int[] {id(floor, " "), id(floor, "a"), id(floor, "b")}, floor.encode("ab", false, false));
    }

    /** Text weighted towards English letters and words, with punctuation, other scripts and lone surrogates. */
    private static String storyText(SplittableRandom rnd, int parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            int k = rnd.nextInt(52);
            if (k < 30) {
                sb.append(pick(rnd, LETTERS));
            } else if (k < 40) {
                sb.append(pick(rnd, WORDS));
            } else if (k < 45) {
                sb.append((char) ((rnd.nextBoolean() ? 'a' : 'A') + rnd.nextInt(26)));
            } else if (k < 49) {
                sb.append(pick(rnd, PUNCTUATION));
            } else if (k < 51) {
                sb.append(pick(rnd, RARE));
            } else {
                sb.appendCodePoint(rnd.nextInt(0x110000));
            }
        }
        return sb.toString();
    }

    /** Mostly a, b, c and space (the random vocabularies' alphabet), now and then a byte-fallback character. */
    private static String abcText(SplittableRandom rnd, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(
                    rnd.nextInt(40) == 0
                            ? pick(rnd, new String[] {"d", "é"})
                            : pick(rnd, new String[] {"a", "b", "c", " "}));
        }
        return sb.toString();
    }

    /** 1..40 pieces over "abc " of 2..5 characters, scores from {@link #SCORES}; now and then one joining BOS. */
    private static Vocab randomVocab(SplittableRandom rnd) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        int n = 1 + rnd.nextInt(40);
        for (int i = 0; i < n; i++) {
            StringBuilder p = new StringBuilder();
            int len = 2 + rnd.nextInt(4);
            for (int j = 0; j < len; j++) {
                p.append("abc ".charAt(rnd.nextInt(4)));
            }
            pieces.add(p.toString());
            scores.add(SCORES[rnd.nextInt(SCORES.length)]);
        }
        if (rnd.nextInt(4) == 0) {
            pieces.add(pick(rnd, new String[] {"\n<s>\n ", "\n<s>\n a", "b\n<s>\n"}));
            scores.add(SCORES[rnd.nextInt(SCORES.length)]);
        }
        return Vocab.of(pieces, scores);
    }

    private static String pick(SplittableRandom rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
    }

    /** The first id of {@code piece}, as the tokenizer's lookup picks it. */
    private static int id(Llama2cTokenizer t, String piece) {
        for (int i = 0; i < t.vocabSize(); i++) {
            if (t.piece(i).equals(piece)) {
                return i;
            }
        }
        throw new AssertionError("no piece '" + piece + "'");
    }

    /** A vocabulary: llama2.c's fixed head (unk, BOS, EOS, the 256 byte pieces), " ", "a", "b", "c", then extras. */
    record Vocab(List<String> pieces, List<Float> scores) {
        static Vocab of(List<String> extra, List<Float> extraScores) {
            List<String> p = new ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
            List<Float> s = new ArrayList<>(List.of(0f, 0f, 0f));
            for (int b = 0; b < 256; b++) {
                p.add(String.format("<0x%02X>", b));
                s.add(0f);
            }
            p.addAll(List.of(" ", "a", "b", "c"));
            s.addAll(List.of(-5f, -5f, -5f, -5f));
            p.addAll(extra);
            s.addAll(extraScores);
            return new Vocab(p, s);
        }

        Llama2cTokenizer tokenizer() {
            byte[][] bytes = new byte[pieces.size()][];
            float[] f = new float[pieces.size()];
            int max = 0;
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = pieces.get(i).getBytes(StandardCharsets.ISO_8859_1);
                f[i] = scores.get(i);
                max = Math.max(max, bytes[i].length);
            }
            return new Llama2cTokenizer(bytes, f, max);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("vocab{");
            for (int i = 259; i < pieces.size(); i++) {
                sb.append(i)
                        .append(":'")
                        .append(pieces.get(i).replace("\n", "\\n"))
                        .append("'=")
                        .append(scores.get(i))
                        .append(' ');
            }
            return sb.append('}').toString();
        }
    }
}
