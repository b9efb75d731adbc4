package dev.probeval.serve;

import dev.probeval.model.TextTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * One choice's text as it grows token by token, released in pieces that are always a prefix of the final text: the
 * tail that could still turn into a stop string (which would cut it) or that ends in an incomplete character
 * (U+FFFD while a multi-byte character is half decoded) is held back until the next token settles it; the end token
 * adds no text.
 */
final class StreamedText {
    private final TextTokenizer tokenizer;
    private final int previousToken;
    private final int[] endTokens;
    private final List<String> stops;
    private int[] tokens = new int[16];
    private int count;
    private int emitted;
    private boolean ended;

    StreamedText(TextTokenizer tokenizer, int previousToken, int[] endTokens, List<String> stops) {
        this.tokenizer = tokenizer;
        this.previousToken = previousToken;
        this.endTokens = endTokens;
        this.stops = stops;
    }

    /** Adds a token; returns the text that is now certain to follow what was released ("" when none). */
    String add(int token) {
        if (ended) {
            return "";
        }
        for (int e : endTokens) {
            if (e == token) {
                ended = true;
                return "";
            }
        }
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, count * 2);
        }
        tokens[count++] = token;
        String text = tokenizer.decode(Arrays.copyOf(tokens, count), previousToken);
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            // The choice stops here, cut before the earliest stop string as the engine cuts it.
            ended = true;
            return release(text, cut);
        }
        int safe = text.length() - heldBack(text);
        while (safe > emitted && text.charAt(safe - 1) == '\uFFFD') {
            safe--;
        }
        return release(text, safe);
    }

    /** What remains of {@code finalText} (the choice's text as decoded) after the pieces already released. */
    String finish(String finalText) {
        String rest = emitted <= finalText.length() ? finalText.substring(emitted) : "";
        emitted = Math.max(emitted, finalText.length());
        return rest;
    }

    private String release(String text, int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String piece = text.substring(emitted, upTo);
        emitted = upTo;
        return piece;
    }

    /** Length of the longest tail of {@code text} that is a proper prefix of a stop string. */
    private int heldBack(String text) {
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length()); len > hold; len--) {
                if (text.endsWith(s.substring(0, len))) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }
}
