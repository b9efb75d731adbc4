package dev.probeval.core.scoring;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The tokenizer of {@code rouge_score} 0.1.2 with {@code use_stemmer=True} (paper-spec §2.2): lowercase; every run
 * of characters outside [a-z0-9] separates tokens (so "Al-Kuwaiti" gives "al", "kuwaiti" and "Günnemann" gives "g",
 * "nnemann"); tokens longer than three characters are Porter-stemmed in NLTK's mode.
 *
 * <p>Lowercasing follows Python's {@code str.lower}, which for the characters that can end up in [a-z] agrees with
 * {@code toLowerCase(Locale.ROOT)}: A–Z, the Kelvin sign (→ "k") and "İ" (→ "i" plus a combining dot, which then
 * separates). Thread-safe.
 */
public final class RougeTokenizer {

    private static final String[] NO_TOKENS = new String[0];
    private static final RougeTokenizer STEMMING = new RougeTokenizer(StemCache.shared());
    private static final RougeTokenizer NON_STEMMING = new RougeTokenizer(null);

    private final StemCache stems;

    private RougeTokenizer(StemCache stems) {
        this.stems = stems;
    }

    /** The tokenizer with stemming ({@code use_stemmer=True}) on the shared stem cache. */
    public static RougeTokenizer stemming() {
        return STEMMING;
    }

    /** The tokenizer with stemming on a given cache. */
    static RougeTokenizer stemming(StemCache cache) {
        return new RougeTokenizer(Objects.requireNonNull(cache, "cache"));
    }

    /** The tokenizer without stemming ({@code use_stemmer=False}). */
    public static RougeTokenizer nonStemming() {
        return NON_STEMMING;
    }

    /** The tokens of {@code text}, in order; empty for text without any [A-Za-z0-9]. */
    public String[] tokenize(String text) {
        int n = text.length();
        char[] buf = new char[n + 4];
        int bufLen = 0;
        int hash = 0; // String.hashCode of the token being built
        String[] tokens = NO_TOKENS;
        int count = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 128) {
                if (c >= 'A' && c <= 'Z') {
                    c = (char) (c + ('a' - 'A'));
                }
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                    buf[bufLen++] = c;
                    hash = 31 * hash + c;
                    continue;
                }
            } else {
                // Rare path: a non-ASCII character is a separator unless it lowercases into [a-z].
                int cp = text.codePointAt(i);
                String lower = new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
                i += Character.charCount(cp) - 1;
                boolean separated = false;
                for (int j = 0; j < lower.length(); j++) {
                    char l = lower.charAt(j);
                    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) {
                        if (separated && bufLen > 0) {
                            tokens = add(tokens, count++, buf, bufLen, hash);
                            bufLen = 0;
                            hash = 0;
                        }
                        separated = false;
                        if (bufLen == buf.length) {
                            buf = Arrays.copyOf(buf, buf.length * 2);
                        }
                        buf[bufLen++] = l;
                        hash = 31 * hash + l;
                    } else {
                        separated = true;
                    }
                }
                if (!separated) {
                    continue;
                }
            }
            if (bufLen > 0) {
                tokens = add(tokens, count++, buf, bufLen, hash);
                bufLen = 0;
                hash = 0;
            }
        }
        if (bufLen > 0) {
            tokens = add(tokens, count++, buf, bufLen, hash);
        }
        return count == tokens.length ? tokens : Arrays.copyOf(tokens, count);
    }

    private String[] add(String[] tokens, int index, char[] buf, int len, int hash) {
        if (index == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(16, tokens.length * 2));
        }
        tokens[index] = stems != null ? stems.token(buf, len, hash) : new String(buf, 0, len);
        return tokens;
    }
}
