package dev.probeval.model.gpt;

/**
 * Architecture of the small GPT: vocabulary, context length (learned positions), width, depth, heads, and the
 * feed-forward width (GELU MLP). Pre-norm blocks with LayerNorm, causal multi-head attention, tied output head.
 */
public record GptConfig(int vocabSize, int contextLength, int dim, int layers, int heads, int ffnHidden) {
    public GptConfig {
        if (vocabSize < 2 || contextLength < 2 || dim < 1 || layers < 1 || heads < 1 || ffnHidden < 1) {
            throw new IllegalArgumentException("GPT sizes must be positive (vocab and context >= 2): " + this);
        }
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
        }
    }

    /** A byte-level model of the given width and depth with a 4x MLP. */
    public static GptConfig byteLevel(int contextLength, int dim, int layers, int heads) {
        return new GptConfig(ByteTokenizer.VOCAB_SIZE, contextLength, dim, layers, heads, 4 * dim);
    }

    public int headSize() {
        return dim / heads;
    }

    /** Trainable parameters: tied embedding, positions, per block 2 LayerNorms + qkv + proj + MLP, final norm. */
    public long parameterCount() {
        long perLayer = 4L * dim + 3L * dim * dim + (long) dim * dim + 2L * dim * ffnHidden;
        return (long) vocabSize * dim + (long) contextLength * dim + layers * perLayer + 2L * dim;
    }
}
