package dev.probeval.model;

/**
 * What the sampling engine needs from a causal language model, whatever runs it: the tokenizer, the vocabulary and
 * context, the end tokens, and {@link DecodeBatch}es — a prompt prefilled once and decoded over many rows. Two engines
 * implement it: the DJL models ({@link CausalLm}, also used for training) and the plain-Java engine of
 * {@code dev.probeval.model.jvm}, which decodes the same checkpoints several times faster on a CPU.
 */
public interface LanguageModel extends AutoCloseable {
    TextTokenizer tokenizer();

    int vocabSize();

    /** Longest sequence (prompt plus generated tokens) the model accepts. */
    int maxContext();

    /** Token ids that end a sample (for llama2.c models: EOS and BOS, since run.c stops when BOS is produced). */
    int[] endTokenIds();

    /**
     * A new, empty batch that will hold at most {@code positions} positions per row (prompt plus the tokens fed
     * back); the caller closes it.
     */
    DecodeBatch newBatch(int positions);

    /** A one-line description (engine, architecture, size) for logs and reports. */
    String describe();

    @Override
    void close();
}
