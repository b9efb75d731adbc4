package dev.probeval.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm transformer layer built from DJL blocks: {@code x + proj(attn(qkv(ln1(x))))}, then
 * {@code x + fc2(gelu(fc1(ln2(x))))}. Linear layers have no bias; the LayerNorms normalise the last axis with
 * ε = 1e-5. The computation itself is {@link GptForward#layer}, shared with the cached sampling path.
 */
final class GptLayer extends AbstractBlock {
    private static final byte VERSION = 1;

    final int heads;
    final LayerNorm ln1;
    final Linear qkv;
    final Linear proj;
    final LayerNorm ln2;
    final Linear fc1;
    final Linear fc2;

    GptLayer(GptConfig c) {
        super(VERSION);
        this.heads = c.heads();
        // Axis 2 of [batch, t, dim]: DJL resolves the axis against the input shape and takes no negative axes.
        ln1 = addChildBlock("ln1", LayerNorm.builder().axis(2).optEpsilon(1e-5f).build());
        qkv = addChildBlock(
                "qkv", Linear.builder().setUnits(3L * c.dim()).optBias(false).build());
        proj = addChildBlock(
                "proj", Linear.builder().setUnits(c.dim()).optBias(false).build());
        ln2 = addChildBlock("ln2", LayerNorm.builder().axis(2).optEpsilon(1e-5f).build());
        fc1 = addChildBlock(
                "fc1", Linear.builder().setUnits(c.ffnHidden()).optBias(false).build());
        fc2 = addChildBlock(
                "fc2", Linear.builder().setUnits(c.dim()).optBias(false).build());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0];
        ln1.initialize(manager, dataType, hidden);
        qkv.initialize(manager, dataType, hidden);
        proj.initialize(manager, dataType, hidden);
        ln2.initialize(manager, dataType, hidden);
        fc1.initialize(manager, dataType, hidden);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {hidden})[0]);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray x = inputs.singletonOrThrow();
        int t = (int) x.getShape().get(1);
        NDArray mask = t > 1 ? GptForward.causalMask(x.getManager(), t, 0) : null;
        return new NDList(GptForward.layer(ps, this, x, null, 0, mask, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
