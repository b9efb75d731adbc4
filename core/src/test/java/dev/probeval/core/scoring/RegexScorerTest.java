package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The regex metric on RE2/J: linear time whatever the pattern, RE2 syntax, and the reference check. */
class RegexScorerTest {
    private final Scorer regex = Scorers.create("regex");

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS) // liveness guard: java.util.regex needed > 20 s at 30 chars
    void patternsThatBacktrackExponentiallyInJavaScoreALongPredictionAtOnce() {
        String prediction = "a".repeat(10_000);
        assertEquals(0.0, regex.score(prediction, "(?:.{0,20}){1,20}\\x00"));
        assertEquals(1.0, regex.score(prediction + "\u0000", "(?:.{0,20}){1,20}\\x00"));
        assertEquals(0.0, regex.score(prediction, "(a+)+b"));
        assertEquals(0.0, regex.score(prediction, "(a|aa)*c"));
        // Deeply nested groups made java.util.regex overflow its stack; RE2/J's matcher does not recurse.
        assertEquals(1.0, regex.score(prediction, "(".repeat(400) + "a" + ")".repeat(400)));
    }

    @Test
    void rE2SyntaxHasNoBackreferencesOrLookaround() {
        assertEquals(1.0, regex.score("He won the Prix  Goncourt.", "(?i)prix\\s+goncourt"));
        for (String p : new String[] {"(a)\\1", "foo(?=bar)", "(?<!x)y", "a++"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> regex.score("x", p), p);
            assertTrue(e.getMessage().contains("not a valid regular expression"), e.getMessage());
            assertTrue(Scorers.referenceProblem("regex", p).isPresent(), p);
        }
    }

    @Test
    void referenceProblemNamesInvalidOverlongAndExplodingPatternsAndPassesGoodOnes() {
        assertEquals(Optional.empty(), Scorers.referenceProblem("regex", "\\b19\\d\\d\\b"));
        assertEquals(Optional.empty(), Scorers.referenceProblem("regex", "(?:.{0,20}){1,20}\\x00"));
        assertEquals(
                Optional.empty(),
                Scorers.referenceProblem("rougeL_recall", "(unclosed"),
                "other metrics take any reference");
        assertEquals(Optional.empty(), Scorers.referenceProblem("contains", "x".repeat(50_000)));

        String unclosed = Scorers.referenceProblem("regex", "(unclosed").orElseThrow();
        assertTrue(unclosed.contains("missing closing )") && unclosed.contains("(unclosed"), unclosed);

        String longOne = Scorers.referenceProblem("REGEX", "a".repeat(RegexScorer.MAX_PATTERN_CHARS + 1))
                .orElseThrow();
        assertTrue(longOne.contains("1001 chars long; the limit is 1000"), longOne);
        assertTrue(longOne.length() < 300, "the message quotes a prefix only: " + longOne.length());
        assertEquals(Optional.empty(), Scorers.referenceProblem("regex", "a".repeat(RegexScorer.MAX_PATTERN_CHARS)));

        // Short, but RE2 would compile 10^9 copies of 'a' (it unrolls counted repetitions).
        String exploding =
                Scorers.referenceProblem("regex", "((a{1000}){1000}){1000}").orElseThrow();
        assertTrue(Scorers.referenceProblem("regex", "(?:.{0,50}){1,50}").isPresent(), "2,500 atoms");
        assertTrue(exploding.contains("counted repetitions"), exploding);
        assertThrows(
                IllegalArgumentException.class,
                () -> regex.score("a", "((a{1000}){1000}){1000}"),
                "the scorer refuses what the check refuses");
        assertThrows(IllegalArgumentException.class, () -> Scorers.referenceProblem("bleu", "x"));
    }

    @Test
    void expandedSizeMultipliesNestedCountsAndIgnoresBracesThatAreNotCounts() {
        assertEquals(3, RegexScorer.expandedSize("abc"));
        assertEquals(20, RegexScorer.expandedSize("a{20}"));
        assertEquals(2 + 5 * 4, RegexScorer.expandedSize("xy(ab{2}c){3,5}"));
        assertEquals(6, RegexScorer.expandedSize("a{,3}b")); // "{,3}" is not a count: four literal chars in RE2
        assertEquals(RegexScorer.MAX_EXPANDED_SIZE + 1, RegexScorer.expandedSize("((a{999}){999}){999}"));
        assertEquals(1, RegexScorer.expandedSize("[a-z{}()]"));
    }
}
