package dev.probeval.model.llama2c;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * llama2.c's {@code encode} as run.c writes it, kept as the oracle for {@link Llama2cTokenizer#encode}: after every
 * merge it rescans all adjacent pairs for the best score (strictly above -1e10, the leftmost on ties). Quadratic in
 * the text; for tests only.
 */
final class QuadraticBpeReference {
    private final Llama2cTokenizer tok;
    private final Map<String, Integer> lookup = new HashMap<>();

    QuadraticBpeReference(Llama2cTokenizer tok) {
        this.tok = tok;
        for (int i = 0; i < tok.vocabSize(); i++) {
            lookup.putIfAbsent(tok.piece(i), i);
        }
    }

    int[] encode(String text, boolean bos, boolean eos) {
        List<Integer> tokens = new ArrayList<>();
        if (bos) {
            tokens.add(Llama2cTokenizer.BOS);
        }
        if (!text.isEmpty()) {
            tokens.add(lookup.get(" "));
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int i = 0;
        while (i < utf8.length) {
            int j = i + 1;
            while (j < utf8.length && (utf8[j] & 0xC0) == 0x80 && j - i < 4) {
                j++;
            }
            byte[] cp = Arrays.copyOfRange(utf8, i, j);
            Integer id = lookup.get(new String(cp, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens.add(id);
            } else {
                for (byte x : cp) {
                    tokens.add((x & 0xff) + 3);
                }
            }
            i = j;
        }
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int k = 0; k < tokens.size() - 1; k++) {
                Integer id = lookup.get(tok.piece(tokens.get(k)) + tok.piece(tokens.get(k + 1)));
                if (id != null && tok.score(id) > bestScore) {
                    bestScore = tok.score(id);
                    bestId = id;
                    bestIdx = k;
                }
            }
            if (bestIdx < 0) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        if (eos) {
            tokens.add(Llama2cTokenizer.EOS);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }
}
