package dev.probeval.model;

/** Turns text into token ids and back for one model; implementations are immutable and thread-safe. */
public interface TextTokenizer {
    /** Encodes text, optionally prefixed with the BOS token and suffixed with the EOS token. */
    int[] encode(String text, boolean bos, boolean eos);

    /**
     * Decodes a continuation: the text the tokens print when they follow {@code previousToken} (use -1 for none).
     * The previous token matters for tokenizers that drop a leading space after BOS, as llama2.c's does.
     */
    String decode(int[] tokens, int previousToken);

    /** Number of token ids. */
    int vocabSize();

    /** Beginning-of-sequence id, or -1 when the tokenizer has none. */
    int bosId();

    /** End-of-sequence id, or -1 when the tokenizer has none. */
    int eosId();
}
