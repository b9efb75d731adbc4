package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScorersTest {

    @Test
    void shouldBuildAScorerForEveryListedMetricName() {
        assertEquals(
                List.of(
                        "rougeL_recall",
                        "rougeL_precision",
                        "rougeL_f1",
                        "rouge1_recall",
                        "rouge1_precision",
                        "rouge1_f1",
                        "exact",
                        "contains",
                        "regex"),
                Scorers.metricNames());
        for (String name : Scorers.metricNames()) {
            double s = Scorers.create(name).score("The answer is Paris", "Paris");
            assertTrue(s >= 0 && s <= 1, name + " gave " + s);
        }
        assertEquals(0.5, Scorers.create("ROUGEL_RECALL").score("a b", "a c"), 0.0);
    }

    @Test
    void shouldRejectAnUnknownMetricNamingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scorers.create("bleu"));
        assertTrue(e.getMessage().contains("unknown metric 'bleu'"), e.getMessage());
        assertTrue(e.getMessage().contains("rougeL_recall"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Scorers.create((String) null));
        assertThrows(IllegalArgumentException.class, () -> ScorerSpec.of("rougeL"));
    }

    @Test
    void shouldAcceptExactMatchAsTheContractsNameOfExact() {
        assertEquals("exact", Scorers.canonicalName("exact_match"));
        assertEquals("exact", ScorerSpec.of("EXACT_MATCH").metric());
        assertEquals(1.0, Scorers.create("exact_match").score("Paris", "paris"));
        assertEquals(0.0, Scorers.create("exact_match").score("Paris, France", "Paris"));
        assertTrue(Scorers.isKnown("exact_match"));
        assertTrue(!Scorers.isKnown("bleu"));
    }

    @Test
    void shouldMatchExactlyAfterNormalisation() {
        Scorer exact = Scorers.create("exact");
        assertEquals(1.0, exact.score("  The Prix   Goncourt! ", "prix goncourt"));
        assertEquals(1.0, exact.score("Al-Kuwaiti", "AlKuwaiti"));
        assertEquals(1.0, exact.score("ＰＡＲＩＳ", "paris")); // NFKC folds full-width letters
        assertEquals(0.0, exact.score("Paris, France", "Paris"));
        assertEquals(0.0, exact.score("theatre", "atre")); // articles go only as whole words
    }

    @Test
    void shouldFindTheReferenceAsACaseInsensitiveSubstring() {
        Scorer contains = Scorers.create("contains");
        assertEquals(1.0, contains.score("He won the PRIX GONCOURT in 2001.", "Prix Goncourt"));
        assertEquals(1.0, contains.score("He won the PRIX GONCOURT in 2001.", " prix goncourt "));
        assertEquals(0.0, contains.score("He won the Goncourt.", "Prix Goncourt"));
        assertEquals(0.0, contains.score("anything", "  "));
        assertEquals(1.0, contains.score("nothing here", List.of("absent", "here")));
    }

    @Test
    void shouldReadTheReferenceAsARegularExpressionForRegex() {
        Scorer regex = Scorers.create("regex");
        assertEquals(1.0, regex.score("He won the Prix  Goncourt.", "(?i)prix\\s+goncourt"));
        assertEquals(0.0, regex.score("He won the Prix Goncourt.", "prix goncourt"));
        assertEquals(1.0, regex.score("born in 1991", "\\b19\\d\\d\\b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> regex.score("x", "(unclosed"));
        assertTrue(e.getMessage().contains("not a valid regular expression"), e.getMessage());
    }

    @Test
    void shouldLeakWhenTheScoreReachesTheThresholdInclusive() {
        // ROUGE-L recall of this pair is exactly 0.5.
        Scorer atHalf = ScorerSpec.of("rougeL_recall").withLeakThreshold(0.5).build();
        assertEquals(1.0, atHalf.score("a b", "a c"), "score == τ leaks (≥, not >)");
        Scorer aboveHalf = ScorerSpec.of("rougeL_recall")
                .withLeakThreshold(Math.nextUp(0.5))
                .build();
        assertEquals(0.0, aboveHalf.score("a b", "a c"));
        Scorer perfect = ScorerSpec.of("rougeL_recall").withLeakThreshold(1.0).build();
        assertEquals(1.0, perfect.score("x a c", List.of("z", "a c")));
        assertEquals(0.0, perfect.score("x a", List.of("z", "a c")));
        assertThrows(
                IllegalArgumentException.class, () -> ScorerSpec.of("exact").withLeakThreshold(1.5));
        assertThrows(
                IllegalArgumentException.class, () -> ScorerSpec.of("exact").withLeakThreshold(Double.NaN));
    }

    @Test
    void shouldStripTheAnswerPrefixBeforeScoring() {
        Scorer plain = Scorers.create("exact");
        Scorer stripping =
                ScorerSpec.of("exact").withStripPrefixes("Answer:", "A:").build();
        assertEquals(0.0, plain.score("Answer: Paris", "Paris"));
        assertEquals(1.0, stripping.score("Answer: Paris", "Paris"));
        assertEquals(1.0, stripping.score("  answer:Paris", "Paris"));
        assertEquals(1.0, stripping.score("A: Paris", "Paris"));
        assertEquals(
                "Answer: Paris",
                PrefixStrippingScorer.strip("Answer: Answer: Paris", List.of("Answer:")),
                "stripped once only");
        assertEquals("Paris Answer:", PrefixStrippingScorer.strip("Paris Answer:", List.of("Answer:")));
        // ROUGE-L precision drops when the tag counts as a token.
        String ref = "Paris is the capital";
        assertEquals(4.0 / 5, Scorers.create("rougeL_precision").score("Answer: Paris is the capital", ref), 0.0);
        assertEquals(
                1.0,
                Scorers.create("rougeL_precision", null, List.of("Answer:"))
                        .score("Answer: Paris is the capital", ref));
        assertThrows(
                IllegalArgumentException.class, () -> ScorerSpec.of("exact").withStripPrefixes(""));
    }

    @Test
    void shouldApplyPrefixStrippingBeforeTheThreshold() {
        ScorerSpec spec = new ScorerSpec("rougeL_precision", 1.0, List.of("Answer:"));
        assertEquals("rougeL_precision", spec.metric());
        assertEquals(1.0, spec.build().score("Answer: Paris", "the answer is Paris"));
        assertEquals(
                0.0,
                ScorerSpec.of("rougeL_precision")
                        .withLeakThreshold(1.0)
                        .build()
                        .score("Answer: Paris", "the capital is Paris"));
        assertEquals("rouge1_f1", ScorerSpec.of(" Rouge1_F1 ").metric(), "names are canonicalised");
    }
}
