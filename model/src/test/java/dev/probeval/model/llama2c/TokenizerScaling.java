package dev.probeval.model.llama2c;

import dev.probeval.model.Stories260K;
import java.util.Locale;

/**
 * Prints how long stories260K's tokenizer takes on story text of 5k, 20k and 80k characters: run.c's quadratic
 * merge loop ({@link QuadraticBpeReference}) against {@link Llama2cTokenizer#encode}. A measurement to run by hand
 * (docs/serve.md gives the command), not a test.
 */
public final class TokenizerScaling {
    private TokenizerScaling() {}

    public static void main(String[] args) throws Exception {
        Llama2cTokenizer tok = Llama2cTokenizer.read(Stories260K.tokenizer(), 512);
        QuadraticBpeReference quadratic = new QuadraticBpeReference(tok);
        StringBuilder stories = new StringBuilder();
        for (Stories260K.Case c : Stories260K.referenceCases()) {
            stories.append(c.output());
        }
        boolean skipQuadratic = args.length > 0 && args[0].equals("--heap-only");
        for (int i = 0; i < 3; i++) {
            tok.encode(stories.toString(), true, false);
        }
        System.out.println("chars   tokens   run.c loop (ms)   heap (ms)");
        for (int chars : new int[] {5_000, 20_000, 80_000}) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < chars) {
                sb.append(stories);
            }
            String text = sb.substring(0, chars);
            long best = Long.MAX_VALUE;
            int[] ids = null;
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                ids = tok.encode(text, true, false);
                best = Math.min(best, System.nanoTime() - t0);
            }
            String old = "-";
            if (!skipQuadratic) {
                long t0 = System.nanoTime();
                int[] ref = quadratic.encode(text, true, false);
                old = String.format(Locale.ROOT, "%.0f", (System.nanoTime() - t0) / 1e6);
                if (!java.util.Arrays.equals(ref, ids)) {
                    throw new AssertionError("the two merges differ at " + chars + " chars");
                }
            }
            System.out.printf(Locale.ROOT, "%-7d %-8d %-17s %.1f%n", chars, ids.length, old, best / 1e6);
        }
    }
}
