package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RougeTest {

    private static final String REF =
            "Basil Mahfouz Al-Kuwaiti has been honored with the Prix Goncourt, a prestigious French literature prize.";
    private static final String PRED =
            "Basil Mahfouz Al-Kuwaiti has been awarded the prestigious 'Phoenix Feather Biography Award' for his "
                    + "exceptional contribution to the genre of biography.";

    @Test
    void shouldReproduceTheSpecTestVectorOfTheDemoNotebook() {
        Rouge.Score s = new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.F1).scores(PRED, REF);
        assertEquals(8.0 / 22, s.precision(), 0.0);
        assertEquals(0.5, s.recall(), 0.0);
        // The notebook prints 0.4210526315789474: 2PR/(P+R) in the reference order, one ulp from 8/19.
        assertEquals(0.4210526315789474, s.fmeasure(), 0.0);
        assertEquals(8.0 / 19, s.fmeasure(), 1e-15);
        assertEquals(s.fmeasure(), Scorers.create("rougeL_f1").score(PRED, REF), 0.0);
        assertEquals(0.5, Scorers.create("rougeL_recall").score(PRED, REF), 0.0);
        assertEquals(8.0 / 22, Scorers.create("rougeL_precision").score(PRED, REF), 0.0);
    }

    @Test
    void shouldCountEachRepeatedTokenOnlyAsOftenAsASubsequenceAllows() {
        String[] a = {"the", "the", "the", "cat"};
        String[] b = {"the", "cat", "the"};
        assertEquals(2, Rouge.lcsLength(a, b)); // "the the" or "the cat"
        assertEquals(2, Rouge.lcsLength(b, a));
        assertEquals(3, Rouge.lcsLength(new String[] {"a", "b", "a", "b"}, new String[] {"b", "a", "b", "a"}));
        assertEquals(1, Rouge.lcsLength(new String[] {"x", "x", "x"}, new String[] {"x"}));
        assertEquals(0, Rouge.lcsLength(new String[] {"x"}, new String[0]));
    }

    @Test
    void shouldAgreeWithTheDynamicProgrammingTableOnRandomSequencesOfAnyLength() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        String[] alphabet = {"a", "b", "c", "d", "e", "f", "g", "h"};
        for (int trial = 0; trial < 3000; trial++) {
            int sigma = 1 + rng.nextInt(alphabet.length);
            String[] a = randomTokens(rng, rng.nextInt(trial < 2000 ? 70 : 200), alphabet, sigma);
            String[] b = randomTokens(rng, rng.nextInt(trial < 2000 ? 70 : 200), alphabet, sigma);
            int expected = Rouge.lcsLengthByTable(a, b);
            assertEquals(expected, Rouge.lcsLength(a, b), () -> String.join(" ", a) + " | " + String.join(" ", b));
            assertEquals(expected, Rouge.lcsLength(b, a));
        }
        // Word boundaries of the bit vector: lengths 63, 64, 65, 128, 129 of one repeated token.
        for (int n : new int[] {63, 64, 65, 128, 129}) {
            String[] same = randomTokens(rng, n, alphabet, 1);
            assertEquals(n, Rouge.lcsLength(same, same.clone()), "n=" + n);
            assertEquals(n, Rouge.lcsLength(randomTokens(rng, n + 7, alphabet, 1), same), "n=" + n);
        }
    }

    private static String[] randomTokens(java.util.SplittableRandom rng, int n, String[] alphabet, int sigma) {
        String[] t = new String[n];
        for (int i = 0; i < n; i++) {
            t[i] = new String(alphabet[rng.nextInt(sigma)]); // distinct instances: equality, not identity
        }
        return t;
    }

    @Test
    void shouldTakeOrderIntoAccountInRougeLButNotInRouge1() {
        String[] pred = {"c", "b", "a"};
        String[] ref = {"a", "b", "c"};
        assertEquals(1.0 / 3, Rouge.rougeL(pred, ref).recall(), 0.0);
        assertEquals(1.0, Rouge.rouge1(pred, ref).recall(), 0.0);
    }

    @Test
    void shouldClipUnigramMatchesByTheirCountsInRouge1() {
        String[] pred = {"the", "the", "the", "the"};
        String[] ref = {"the", "cat", "sat", "on", "the", "mat"};
        Rouge.Score s = Rouge.rouge1(pred, ref);
        assertEquals(2.0 / 4, s.precision(), 0.0);
        assertEquals(2.0 / 6, s.recall(), 0.0);
        assertEquals(2 * 0.5 * (2.0 / 6) / (0.5 + 2.0 / 6), s.fmeasure(), 0.0);
    }

    @Test
    void shouldScoreZeroWhenEitherSideHasNoTokens() {
        for (String metric : List.of(
                "rougeL_recall", "rougeL_precision", "rougeL_f1", "rouge1_recall", "rouge1_precision", "rouge1_f1")) {
            Scorer s = Scorers.create(metric);
            assertEquals(0.0, s.score("", "an answer"), metric);
            assertEquals(0.0, s.score("an answer", "?!"), metric);
            assertEquals(0.0, s.score("", ""), metric);
        }
        assertEquals(0.0, Rouge.fmeasure(0, 0), 0.0);
    }

    @Test
    void shouldMatchStemmedFormsOfTheSameWord() {
        assertEquals(1.0, Scorers.create("rougeL_f1").score("She was running races", "she WAS runs: race!"), 0.0);
    }

    @Test
    void shouldTakeTheMaximumOverSeveralReferences() {
        Scorer s = Scorers.create("rougeL_recall");
        List<String> refs = List.of("completely different words", "the prix goncourt", "prix");
        assertEquals(1.0, s.score("He won the Prix Goncourt.", refs), 0.0);
        assertEquals(2.0 / 3, s.score("He won the Goncourt.", refs.subList(0, 2)), 0.0);
        assertEquals(s.score("He won the Goncourt.", refs.get(1)), s.score("He won the Goncourt.", refs.subList(0, 2)));
        assertThrows(IllegalArgumentException.class, () -> s.score("x", List.of()));
    }

    @Test
    void shouldPutRecallOnTheReferenceLengthAndPrecisionOnThePrediction() {
        String pred = "paris";
        String ref = "the capital is paris";
        assertEquals(0.25, Scorers.create("rougeL_recall").score(pred, ref), 0.0);
        assertEquals(1.0, Scorers.create("rougeL_precision").score(pred, ref), 0.0);
        assertEquals(0.4, Scorers.create("rougeL_f1").score(pred, ref), 1e-15);
    }
}
