package dev.probeval.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Token embedding whose matrix is also the output head (weight tying, as GPT-2): the forward maps ids
 * {@code [batch, t]} to vectors {@code [batch, t, dim]}, {@link #head} maps hidden states back to logits over the
 * vocabulary. DJL's {@code ai.djl.nn.core.Embedding} does not fit: it embeds items through an index with a
 * reserved fallthrough row, and offers no tied read-out, so this block uses its static lookup on a plain matrix.
 */
final class TiedEmbedding extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int vocabSize;
    private final int dim;
    private final Parameter weight;

    TiedEmbedding(int vocabSize, int dim) {
        super(VERSION);
        this.vocabSize = vocabSize;
        this.dim = dim;
        this.weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .build());
    }

    Parameter weight() {
        return weight;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray tokens = inputs.singletonOrThrow();
        NDArray ids = tokens.getDataType() == DataType.INT64 ? tokens : tokens.toType(DataType.INT64, false);
        return Embedding.embedding(ids, ps.getValue(weight, tokens.getDevice(), training), SparseFormat.DENSE);
    }

    /** Logits {@code [batch, t, vocab]} of hidden states {@code [batch, t, dim]}: {@code x · Wᵀ}. */
    NDArray head(ParameterStore ps, NDArray x, boolean training) {
        return Linear.linear(x, ps.getValue(weight, x.getDevice(), training)).singletonOrThrow();
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape(vocabSize, dim));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }
}
