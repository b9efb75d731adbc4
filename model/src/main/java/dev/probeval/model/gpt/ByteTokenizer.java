package dev.probeval.model.gpt;

import dev.probeval.model.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level tokenizer: ids 0-255 are the UTF-8 bytes of the text, 256 is BOS and 257 is EOS. Any text
 * round-trips; no vocabulary file is needed, which keeps the small GPT self-contained.
 */
final class ByteTokenizer implements TextTokenizer {
    static final int BOS = 256;
    static final int EOS = 257;
    static final int VOCAB_SIZE = 258;
    /** The name written to the manifest. */
    static final String TYPE = "bytes";

    @Override
    public int[] encode(String text, boolean bos, boolean eos) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
        int k = 0;
        if (bos) {
            ids[k++] = BOS;
        }
        for (byte x : b) {
            ids[k++] = x & 0xff;
        }
        if (eos) {
            ids[k] = EOS;
        }
        return ids;
    }

    @Override
    public String decode(int[] tokens, int previousToken) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t : tokens) {
            if (t < 0 || t >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + t + " outside [0, " + VOCAB_SIZE + ")");
            }
            if (t < 256) {
                out.write(t);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }
}
