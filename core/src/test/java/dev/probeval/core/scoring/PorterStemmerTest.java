package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PorterStemmerTest {

    /** Expected stems printed by NLTK 3.8's PorterStemmer() for cases chosen step by step. */
    @ParameterizedTest(name = "{0} -> {1} ({2})")
    @CsvSource({
        // irregular forms and short words (NLTK departures)
        "dying, die, irregular form",
        "skies, sky, irregular form",
        "news, news, irregular form",
        "innings, inning, irregular form",
        "proceed, proceed, irregular form",
        "is, is, two letters are never stemmed",
        // step 1a
        "caresses, caress, sses -> ss",
        "ponies, poni, ies -> i",
        "ties, tie, four-letter ies -> ie (NLTK)",
        "caress, caress, ss stays",
        "cats, cat, s dropped",
        // step 1b
        "feed, feed, eed needs m>0",
        "agreed, agre, eed -> ee then step 5a",
        "died, die, four-letter ied -> ie (NLTK)",
        "cried, cri, ied -> i (NLTK)",
        "plastered, plaster, ed dropped",
        "bled, bled, ed needs a vowel in the stem",
        "motoring, motor, ing dropped",
        "sing, sing, ing needs a vowel in the stem",
        "conflated, conflat, at -> ate then step 4 ate",
        "troubled, troubl, bl -> ble then 5a",
        "sized, size, iz -> ize",
        "hopping, hop, double consonant undoubled",
        "falling, fall, double l kept",
        "hissing, hiss, double s kept",
        "fizzed, fizz, double z kept",
        "failing, fail, m=1 but not cvc",
        "filing, file, m=1 and cvc adds e",
        // step 1c
        "happy, happi, y -> i after a consonant",
        "enjoy, enjoy, y after a vowel stays (NLTK)",
        "spy, spi, y -> i although stem has no vowel (NLTK)",
        "by, by, two letters",
        // step 2
        "relational, relat, ational -> ate",
        "conditional, condit, tional -> tion",
        "valenci, valenc, enci -> ence",
        "digitizer, digit, izer -> ize",
        "conformabli, conform, bli -> ble (NLTK)",
        "radicalli, radic, alli -> al and step 2 again (NLTK)",
        "differentli, differ, entli -> ent",
        "vileli, vile, eli -> e",
        "analogousli, analog, ousli -> ous",
        "vietnamization, vietnam, ization -> ize",
        "predication, predic, ation -> ate",
        "operator, oper, ator -> ate",
        "feudalism, feudal, alism -> al",
        "decisiveness, decis, iveness -> ive",
        "hopefulness, hope, fulness -> ful",
        "callousness, callous, ousness -> ous",
        "formaliti, formal, aliti -> al",
        "sensitiviti, sensit, iviti -> ive",
        "sensibiliti, sensibl, biliti -> ble",
        "hopefulli, hope, fulli -> ful (NLTK)",
        "geology, geolog, logi -> log with the l in the stem (NLTK)",
        // step 3
        "triplicate, triplic, icate -> ic",
        "formative, form, ative dropped",
        "formalize, formal, alize -> al",
        "electriciti, electr, iciti -> ic",
        "electrical, electr, ical -> ic",
        "hopeful, hope, ful dropped",
        "goodness, good, ness dropped",
        // step 4
        "revival, reviv, al",
        "allowance, allow, ance",
        "inference, infer, ence",
        "airliner, airlin, er",
        "gyroscopic, gyroscop, ic",
        "adjustable, adjust, able",
        "defensible, defens, ible",
        "irritant, irrit, ant",
        "replacement, replac, ement",
        "adjustment, adjust, ment",
        "dependent, depend, ent",
        "adoption, adopt, ion after t",
        "homologou, homolog, ou",
        "communism, commun, ism",
        "activate, activ, ate",
        "angulariti, angular, iti",
        "homologous, homolog, ous",
        "effective, effect, ive",
        "bowdlerize, bowdler, ize",
        // step 5
        "probate, probat, 5a e dropped when m>1",
        "rate, rate, 5a e kept when m=1 and cvc",
        "cease, ceas, 5a e dropped when m=1 and not cvc",
        "controll, control, 5b ll -> l when m>1",
        "roll, roll, 5b needs m>1",
        "generously, gener, several steps",
    })
    void shouldStemLikeNltkStepByStep(String word, String expected, String why) {
        assertEquals(expected, PorterStemmer.stem(word), why);
    }

    @Test
    void shouldMatchNltkOnEveryTofuWordAndTrickyWord() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        try (InputStream in = PorterStemmerTest.class.getResourceAsStream("porter-nltk-stems.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                String actual = PorterStemmer.stem(cols[0]);
                if (!actual.equals(cols[1])) {
                    mismatches.add(cols[0] + ": expected " + cols[1] + ", got " + actual);
                }
                checked++;
            }
        }
        assertTrue(checked > 5000, "table too small: " + checked);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }
}
