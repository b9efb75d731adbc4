package dev.probeval.model.gpt;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The small GPT's architecture as a DJL block tree: {@link TiedEmbedding} (token embedding and output head),
 * learned positions {@code [context, dim]}, {@link GptLayer}s, a final {@link LayerNorm}. Input: token ids
 * {@code [batch, t]}; output: logits {@code [batch, t, vocab]} (computed by {@link GptForward}).
 *
 * <p>DJL names parameters locally (every LayerNorm has a "gamma"), so the network also keeps the model-wide names
 * the checkpoint file, optimizers and inspection use: {@code wte}, {@code wpe}, {@code h<i>.ln1.gamma},
 * {@code h<i>.ln1.beta}, {@code h<i>.attn.qkv}, {@code h<i>.attn.proj}, {@code h<i>.ln2.gamma},
 * {@code h<i>.ln2.beta}, {@code h<i>.mlp.fc1}, {@code h<i>.mlp.fc2}, {@code lnf.gamma}, {@code lnf.beta}, in
 * that order (the order of format-1 checkpoints).
 */
final class GptNetwork extends AbstractBlock {
    private static final byte VERSION = 1;

    final GptConfig config;
    final TiedEmbedding embedding;
    final Parameter positions;
    final GptLayer[] layers;
    final LayerNorm finalNorm;
    private final Map<String, Parameter> named = new LinkedHashMap<>();

    GptNetwork(GptConfig config) {
        super(VERSION);
        this.config = config;
        embedding = addChildBlock("wte", new TiedEmbedding(config.vocabSize(), config.dim()));
        positions = addParameter(Parameter.builder()
                .setName("wpe")
                .setType(Parameter.Type.WEIGHT)
                .build());
        named.put("wte", embedding.weight());
        named.put("wpe", positions);
        layers = new GptLayer[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            GptLayer l = addChildBlock("h" + i, new GptLayer(config));
            layers[i] = l;
            String h = "h" + i;
            named.put(h + ".ln1.gamma", param(l.ln1, "gamma"));
            named.put(h + ".ln1.beta", param(l.ln1, "beta"));
            named.put(h + ".attn.qkv", param(l.qkv, "weight"));
            named.put(h + ".attn.proj", param(l.proj, "weight"));
            named.put(h + ".ln2.gamma", param(l.ln2, "gamma"));
            named.put(h + ".ln2.beta", param(l.ln2, "beta"));
            named.put(h + ".mlp.fc1", param(l.fc1, "weight"));
            named.put(h + ".mlp.fc2", param(l.fc2, "weight"));
        }
        finalNorm = addChildBlock(
                "lnf", LayerNorm.builder().axis(2).optEpsilon(1e-5f).build());
        named.put("lnf.gamma", param(finalNorm, "gamma"));
        named.put("lnf.beta", param(finalNorm, "beta"));
    }

    private static Parameter param(AbstractBlock block, String name) {
        return block.getDirectParameters().get(name);
    }

    /** Every parameter under its model-wide name, in checkpoint order. */
    Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(named);
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        positions.setShape(new Shape(config.contextLength(), config.dim()));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = inputShapes[0];
        embedding.initialize(manager, dataType, tokens);
        Shape hidden = embedding.getOutputShapes(new Shape[] {tokens})[0];
        for (GptLayer l : layers) {
            l.initialize(manager, dataType, hidden);
        }
        finalNorm.initialize(manager, dataType, hidden);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(GptForward.logits(this, ps, inputs.singletonOrThrow(), null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
    }
}
