package dev.probeval.core.scoring;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Porter stemmer in NLTK's default {@code NLTK_EXTENSIONS} mode: the stemmer that {@code rouge_score} runs with
 * {@code use_stemmer=True} (paper-spec §2.2), so ROUGE scores computed here match the reference library.
 *
 * <p>Written from Porter's algorithm (M.F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980) and the
 * departures NLTK documents for its extended mode:
 * <ul>
 *   <li>a small table of irregular forms ("dying" → "die", "skies" → "sky", "news" stays) is looked up first;
 *   <li>words of one or two characters are returned unchanged;
 *   <li>step 1a: a four-letter word ending in "ies" becomes "…ie" ("ties" → "tie");
 *   <li>step 1b: "ied" becomes "ie" in a four-letter word, otherwise "i" ("died" → "die", "cried" → "cri");
 *   <li>step 1c: y → i only after a consonant that is not the first letter ("happy" → "happi", "enjoy" stays,
 *       "spy" → "spi");
 *   <li>step 2: "alli" → "al" is tried first and, if it fires, step 2 runs again on the result; "bli" → "ble"
 *       replaces the original "abli" → "able"; "fulli" → "ful" is added; "logi" → "log" with the "l" counted in the
 *       stem's measure ("geology" → "geolog");
 *   <li>the *o condition (consonant–vowel–consonant ending) also holds for a two-letter vowel–consonant stem.
 * </ul>
 * As in NLTK, within one rule list the first rule whose suffix matches decides: if its condition fails, the word is
 * left unchanged and no later rule of that list is tried.
 *
 * <p>Stateless and thread-safe. {@link StemCache} memoises it.
 */
final class PorterStemmer {

    private static final Map<String, String> IRREGULAR = irregularForms();

    private PorterStemmer() {}

    /**
     * Stems one word as NLTK's {@code PorterStemmer().stem(word)} does (lowercasing it first). Characters outside
     * a–z count as consonants, as in NLTK; {@code rouge_score} only ever passes tokens of [a-z0-9].
     */
    public static String stem(String word) {
        String irregular = IRREGULAR.get(word);
        if (irregular != null) {
            return irregular;
        }
        String lower = word.toLowerCase(Locale.ROOT);
        if (word.length() <= 2) {
            return lower;
        }
        Word w = new Word(lower);
        w.step1a();
        w.step1b();
        w.step1c();
        w.step2();
        w.step3();
        w.step4();
        w.step5a();
        w.step5b();
        return w.toString();
    }

    private static Map<String, String> irregularForms() {
        Map<String, String> m = new HashMap<>();
        String[][] table = {
            {"sky", "sky", "skies"},
            {"die", "dying"},
            {"lie", "lying"},
            {"tie", "tying"},
            {"news", "news"},
            {"inning", "innings", "inning"},
            {"outing", "outings", "outing"},
            {"canning", "cannings", "canning"},
            {"howe", "howe"},
            {"proceed", "proceed"},
            {"exceed", "exceed"},
            {"succeed", "succeed"},
        };
        for (String[] row : table) {
            for (int i = 1; i < row.length; i++) {
                m.put(row[i], row[0]);
            }
        }
        return Map.copyOf(m);
    }

    /** Conditions on the stem left after removing a suffix (Porter's m, *v*, *d, *o). */
    private enum Cond {
        NONE,
        M_GT_0,
        M_GT_1,
        /** (m>1 and (*S or *T)) ION. */
        ION,
        /** NLTK's "logi": the measure of the stem plus the "l" of the suffix must be positive. */
        LOGI_WITH_L
    }

    private record Rule(String suffix, String replacement, Cond cond) {}

    private static Rule r(String suffix, String replacement, Cond cond) {
        return new Rule(suffix, replacement, cond);
    }

    private static final Rule[] STEP1A = {
        r("sses", "ss", Cond.NONE), r("ies", "i", Cond.NONE), r("ss", "ss", Cond.NONE), r("s", "", Cond.NONE),
    };

    private static final Rule[] STEP2 = {
        r("ational", "ate", Cond.M_GT_0),
        r("tional", "tion", Cond.M_GT_0),
        r("enci", "ence", Cond.M_GT_0),
        r("anci", "ance", Cond.M_GT_0),
        r("izer", "ize", Cond.M_GT_0),
        r("bli", "ble", Cond.M_GT_0),
        r("alli", "al", Cond.M_GT_0),
        r("entli", "ent", Cond.M_GT_0),
        r("eli", "e", Cond.M_GT_0),
        r("ousli", "ous", Cond.M_GT_0),
        r("ization", "ize", Cond.M_GT_0),
        r("ation", "ate", Cond.M_GT_0),
        r("ator", "ate", Cond.M_GT_0),
        r("alism", "al", Cond.M_GT_0),
        r("iveness", "ive", Cond.M_GT_0),
        r("fulness", "ful", Cond.M_GT_0),
        r("ousness", "ous", Cond.M_GT_0),
        r("aliti", "al", Cond.M_GT_0),
        r("iviti", "ive", Cond.M_GT_0),
        r("biliti", "ble", Cond.M_GT_0),
        r("fulli", "ful", Cond.M_GT_0),
        r("logi", "log", Cond.LOGI_WITH_L),
    };

    private static final Rule[] STEP3 = {
        r("icate", "ic", Cond.M_GT_0),
        r("ative", "", Cond.M_GT_0),
        r("alize", "al", Cond.M_GT_0),
        r("iciti", "ic", Cond.M_GT_0),
        r("ical", "ic", Cond.M_GT_0),
        r("ful", "", Cond.M_GT_0),
        r("ness", "", Cond.M_GT_0),
    };

    private static final Rule[] STEP4 = {
        r("al", "", Cond.M_GT_1),
        r("ance", "", Cond.M_GT_1),
        r("ence", "", Cond.M_GT_1),
        r("er", "", Cond.M_GT_1),
        r("ic", "", Cond.M_GT_1),
        r("able", "", Cond.M_GT_1),
        r("ible", "", Cond.M_GT_1),
        r("ant", "", Cond.M_GT_1),
        r("ement", "", Cond.M_GT_1),
        r("ment", "", Cond.M_GT_1),
        r("ent", "", Cond.M_GT_1),
        r("ion", "", Cond.ION),
        r("ou", "", Cond.M_GT_1),
        r("ism", "", Cond.M_GT_1),
        r("ate", "", Cond.M_GT_1),
        r("iti", "", Cond.M_GT_1),
        r("ous", "", Cond.M_GT_1),
        r("ive", "", Cond.M_GT_1),
        r("ize", "", Cond.M_GT_1),
    };

    /** A word being stemmed: a character buffer whose first {@code len} characters are the current form. */
    private static final class Word {
        private char[] b;
        private int len;

        Word(String s) {
            b = new char[s.length() + 4];
            s.getChars(0, s.length(), b, 0);
            len = s.length();
        }

        @Override
        public String toString() {
            return new String(b, 0, len);
        }

        /** Porter's consonant: not a, e, i, o, u, and not a y that follows a consonant. */
        private boolean isConsonant(int i) {
            char c = b[i];
            if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
                return false;
            }
            if (c == 'y') {
                return i == 0 || !isConsonant(i - 1);
            }
            return true;
        }

        /** Porter's m: the number of vowel-sequence → consonant-sequence transitions in the first {@code end} chars. */
        private int measure(int end) {
            int m = 0;
            boolean prevVowel = false;
            for (int i = 0; i < end; i++) {
                boolean consonant = isConsonant(i);
                if (consonant && prevVowel) {
                    m++;
                }
                prevVowel = !consonant;
            }
            return m;
        }

        private boolean containsVowel(int end) {
            for (int i = 0; i < end; i++) {
                if (!isConsonant(i)) {
                    return true;
                }
            }
            return false;
        }

        private boolean endsDoubleConsonant(int end) {
            return end >= 2 && b[end - 1] == b[end - 2] && isConsonant(end - 1);
        }

        /** Porter's *o, plus NLTK's two-letter vowel–consonant case. */
        private boolean endsCvc(int end) {
            if (end >= 3 && isConsonant(end - 3) && !isConsonant(end - 2) && isConsonant(end - 1)) {
                char c = b[end - 1];
                return c != 'w' && c != 'x' && c != 'y';
            }
            return end == 2 && !isConsonant(0) && isConsonant(1);
        }

        private boolean endsWith(String suffix) {
            int n = suffix.length();
            if (n > len) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (b[len - n + i] != suffix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Cuts the word to {@code end} characters and appends {@code s}. */
        private void setTail(int end, String s) {
            len = end;
            if (len + s.length() > b.length) {
                b = java.util.Arrays.copyOf(b, len + s.length() + 4);
            }
            s.getChars(0, s.length(), b, len);
            len += s.length();
        }

        private boolean holds(Cond cond, int stemEnd) {
            switch (cond) {
                case NONE:
                    return true;
                case M_GT_0:
                    return measure(stemEnd) > 0;
                case M_GT_1:
                    return measure(stemEnd) > 1;
                case ION:
                    return measure(stemEnd) > 1 && (b[stemEnd - 1] == 's' || b[stemEnd - 1] == 't');
                case LOGI_WITH_L:
                    return measure(stemEnd + 1) > 0;
                default:
                    throw new AssertionError(cond);
            }
        }

        /** The first rule whose suffix matches decides; a failed condition leaves the word as it is. */
        private void applyFirstMatching(Rule[] rules) {
            for (Rule rule : rules) {
                if (endsWith(rule.suffix())) {
                    int stemEnd = len - rule.suffix().length();
                    if (holds(rule.cond(), stemEnd)) {
                        setTail(stemEnd, rule.replacement());
                    }
                    return;
                }
            }
        }

        void step1a() {
            if (len == 4 && endsWith("ies")) {
                setTail(len - 3, "ie");
                return;
            }
            applyFirstMatching(STEP1A);
        }

        void step1b() {
            if (endsWith("ied")) {
                setTail(len - 3, len == 4 ? "ie" : "i");
                return;
            }
            if (endsWith("eed")) {
                if (measure(len - 3) > 0) {
                    setTail(len - 3, "ee");
                }
                return;
            }
            int stemEnd;
            if (endsWith("ed") && containsVowel(len - 2)) {
                stemEnd = len - 2;
            } else if (endsWith("ing") && containsVowel(len - 3)) {
                stemEnd = len - 3;
            } else {
                return;
            }
            len = stemEnd;
            if (endsWith("at") || endsWith("bl") || endsWith("iz")) {
                setTail(len, "e");
            } else if (endsDoubleConsonant(len)) {
                char last = b[len - 1];
                if (last != 'l' && last != 's' && last != 'z') {
                    len--;
                }
            } else if (measure(len) == 1 && endsCvc(len)) {
                setTail(len, "e");
            }
        }

        void step1c() {
            if (endsWith("y")) {
                int stemEnd = len - 1;
                if (stemEnd > 1 && isConsonant(stemEnd - 1)) {
                    b[len - 1] = 'i';
                }
            }
        }

        void step2() {
            if (endsWith("alli") && measure(len - 4) > 0) {
                setTail(len - 4, "al");
                step2();
                return;
            }
            applyFirstMatching(STEP2);
        }

        void step3() {
            applyFirstMatching(STEP3);
        }

        void step4() {
            applyFirstMatching(STEP4);
        }

        void step5a() {
            if (endsWith("e")) {
                int stemEnd = len - 1;
                int m = measure(stemEnd);
                if (m > 1 || (m == 1 && !endsCvc(stemEnd))) {
                    len = stemEnd;
                }
            }
        }

        void step5b() {
            if (endsWith("ll") && measure(len - 1) > 1) {
                len--;
            }
        }
    }
}
