package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected token lists are what rouge_score's tokenize (NLTK 3.8 stemmer) returns for the same text. */
class RougeTokenizerTest {

    private static String[] tokens(String text) {
        return RougeTokenizer.stemming().tokenize(text);
    }

    @Test
    void shouldLowercaseSplitOnNonAlphanumericsAndStemLongTokens() {
        assertArrayEquals(
                new String[] {
                    "basil",
                    "mahfouz",
                    "al",
                    "kuwaiti",
                    "has",
                    "been",
                    "honor",
                    "with",
                    "the",
                    "prix",
                    "goncourt",
                    "a",
                    "prestigi",
                    "french",
                    "literatur",
                    "prize"
                },
                tokens(
                        "Basil Mahfouz Al-Kuwaiti has been honored with the Prix Goncourt, a prestigious French literature "
                                + "prize."));
    }

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(
            delimiter = '|',
            value = {
                "Günnemann|g nnemann",
                "naïve café|na ve caf",
                "ÅNGSTRÖM|ngstr m",
                "İstanbul|i stanbul",
                "\u212Aelvin|kelvin",
                "Σίσυφος|''",
                "日本語 text|text",
                "x²|x",
                "１２３ ｆｕｌｌ|''",
            })
    void shouldTreatNonAsciiLettersAsSeparators(String text, String expected) {
        assertArrayEquals(split(expected), tokens(text));
    }

    @Test
    void shouldKeepDigitsAsTokensAndStemThemWhenLong() {
        assertArrayEquals(
                new String[] {"in", "1990", "3", "book", "12", "000", "copi"},
                tokens("In 1990s, 3 books; 12,000 copies!"));
    }

    @Test
    void shouldStemOnlyTokensLongerThanThreeCharacters() {
        // "dies" (4) is stemmed to "die"; "ies" is short and kept as is.
        assertArrayEquals(new String[] {"ies", "die", "run", "run"}, tokens("ies dies runs running"));
    }

    @Test
    void shouldReturnNoTokensForPunctuationOnlyWhitespaceOrEmptyText() {
        assertArrayEquals(new String[0], tokens("?!... —"));
        assertArrayEquals(new String[0], tokens("   \t\n"));
        assertArrayEquals(new String[0], tokens(""));
    }

    @Test
    void shouldSplitOnApostrophesHyphensAndControlCharacters() {
        assertArrayEquals(
                new String[] {"don", "t", "e", "mail", "tab", "new", "line"}, tokens("don't e-mail tab\tnew\nline"));
    }

    @Test
    void shouldNotStemWithTheNonStemmingTokenizer() {
        assertArrayEquals(
                new String[] {"camelcase", "words", "running"},
                RougeTokenizer.nonStemming().tokenize("CamelCase WORDS Running"));
        assertArrayEquals(new String[] {"camelcas", "word", "run"}, tokens("CamelCase WORDS Running"));
    }

    private static String[] split(String s) {
        return s.isEmpty() ? new String[0] : s.split(" ");
    }
}
