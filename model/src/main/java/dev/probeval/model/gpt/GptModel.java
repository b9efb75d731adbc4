package dev.probeval.model.gpt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.probeval.model.CausalLm;
import dev.probeval.model.Devices;
import dev.probeval.model.KvCache;
import dev.probeval.model.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small GPT as a DJL block: token embedding (tied with the output head), learned positions, pre-norm blocks
 * (LayerNorm, causal multi-head attention, LayerNorm, GELU MLP), final LayerNorm. {@link #logits} returns logits
 * for a whole batch so callers can build any loss (NLL, gradient ascent, entropy); {@link #forward} adds a KV cache
 * for sampling. Saved as a directory: {@code manifest.json} (format, version, architecture, tokenizer, provenance)
 * plus {@code model.params} (each parameter by name in DJL's array encoding).
 *
 * <p>This class is the lifecycle and the public face; the pieces live beside it: the block tree in
 * {@code GptNetwork} and {@code GptLayer}, the forward pass in {@code GptForward}, the manifest in
 * {@code GptManifest}, the parameter file in {@code GptParameterCodec}.
 */
public final class GptModel extends AbstractBlock implements CausalLm {
    public static final String MANIFEST = "manifest.json";
    public static final String PARAMS = "model.params";
    public static final String FORMAT = "probeval-gpt";
    /** On-disk format; unchanged by the split into DJL blocks, so checkpoints of format 1 keep loading. */
    public static final int FORMAT_VERSION = 1;
    // Version 2: the block tree is DJL blocks (version 1 held flat parameters). Only DJL's own encodings read it.
    private static final byte BLOCK_VERSION = 2;

    private final GptConfig config;
    private final ByteTokenizer tokenizer = new ByteTokenizer();
    private final NDManager root;
    private final NDManager weights;
    private final GptNetwork network;
    private List<Parameter> optimizerView;
    private Map<String, Object> provenance = new LinkedHashMap<>();

    /** A model with every parameter allocated (zero weights, LayerNorm γ = 1); the caller writes the values. */
    private GptModel(GptConfig config, Device device) {
        super(BLOCK_VERSION);
        this.config = config;
        this.root = NDManager.newBaseManager(device);
        this.weights = root.newSubManager();
        this.network = addChildBlock("gpt", new GptNetwork(config));
        try {
            // Zeros instead of DJL's Xavier default: the values are overwritten at once, so drawing them is waste.
            setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
            initialize(weights, DataType.FLOAT32, new Shape(1, config.contextLength()));
            // DJL marks initialised arrays as requiring gradients; inference must not build autograd graphs, and
            // GptTrainer switches gradients on for the parameters it trains. DJL also names each array after its
            // block-local parameter ("weight"); the model-wide name is the one that means something in a dump.
            network.namedParameters().forEach((name, p) -> {
                p.getArray().setRequiresGradient(false);
                p.getArray().setName(name);
            });
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /**
     * A freshly initialised model: weights ~ N(0, 0.02²) (residual projections scaled by 1/√(2·layers), as GPT-2),
     * LayerNorm γ = 1, β = 0, drawn from a {@link SplittableRandom} with {@code seed} so the same seed gives the same
     * model on any machine.
     */
    public static GptModel create(GptConfig config, long seed) {
        return create(config, seed, Devices.preferred());
    }

    /** {@link #create(GptConfig, long)} on the given device. */
    public static GptModel create(GptConfig config, long seed, Device device) {
        GptModel m = new GptModel(config, device);
        SplittableRandom rng = new SplittableRandom(seed);
        double residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
        // Draws in the checkpoint order of the parameters, so a seed gives the same weights as format-1 builds did.
        for (Map.Entry<String, Parameter> e : m.network.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            float[] v = new float[Math.toIntExact(p.getArray().size())];
            if (p.getType() == Parameter.Type.GAMMA) {
                Arrays.fill(v, 1f);
            } else if (p.getType() == Parameter.Type.WEIGHT) {
                String name = e.getKey();
                double std = name.endsWith(".proj") || name.endsWith(".fc2") ? residualStd : 0.02;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextGaussian() * std);
                }
            }
            p.getArray().set(v);
        }
        m.provenance.put("created", "random init, seed " + seed);
        return m;
    }

    public GptConfig config() {
        return config;
    }

    /** Free-form provenance written to the manifest (training data, steps, losses, who made it). */
    public Map<String, Object> provenance() {
        return provenance;
    }

    /** Parameters by name ({@code wte}, {@code h0.attn.qkv}, ... see {@code GptNetwork}), in a stable order. */
    public Map<String, NDArray> namedArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        network.namedParameters().forEach((name, p) -> out.put(name, p.getArray()));
        return out;
    }

    /** Logits {@code [batch, t, vocab]} for token ids {@code [batch, t]} from position 0, without a cache. */
    public NDArray logits(NDArray tokens) {
        return GptForward.logits(network, store(tokens), tokens, null, false);
    }

    @Override
    public NDArray forward(NDArray tokens, KvCache cache) {
        return GptForward.logits(network, store(tokens), tokens, cache, false);
    }

    /** A store that hands out the parameters' own arrays (no copies) on the tokens' device. */
    private static ParameterStore store(NDArray tokens) {
        return new ParameterStore(tokens.getManager(), false);
    }

    // --- DJL Block plumbing: a Trainer or Predictor can drive the block as well.

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return network.forward(ps, inputs, training, p);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        network.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return network.getOutputShapes(inputShapes);
    }

    // --- persistence

    /** Writes {@code manifest.json} and {@code model.params} into {@code dir} (created if needed). */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        GptParameterCodec.write(dir.resolve(PARAMS), namedArrays());
        GptManifest.of(config, provenance).write(dir.resolve(MANIFEST));
    }

    /** True when {@code dir} holds a small-GPT manifest. */
    public static boolean isModelDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Loads a model saved by {@link #save}; errors name the file, and the field or parameter that is wrong. */
    public static GptModel load(Path dir, Device device) throws IOException {
        GptManifest manifest = GptManifest.read(dir.resolve(MANIFEST));
        GptModel m = new GptModel(manifest.config(), device);
        Path params = dir.resolve(manifest.parametersFile());
        try {
            GptParameterCodec.read(params, m.namedArrays(), m.weights);
        } catch (IOException e) {
            m.close();
            throw e;
        } catch (RuntimeException e) {
            m.close();
            throw new IOException(params + ": cannot load parameters: " + e.getMessage(), e);
        }
        m.provenance = manifest.provenanceOrEmpty();
        return m;
    }

    /** {@link #load(Path, Device)} on the preferred device. */
    public static GptModel load(Path dir) throws IOException {
        return load(dir, Devices.preferred());
    }

    /**
     * All parameters for an optimizer, under their model-wide names: optimizers key their state (Adam's moments)
     * by name, and DJL's blocks name theirs locally ("weight", "gamma"), so these are named views that share the
     * blocks' arrays; updating one updates the model.
     */
    synchronized List<Parameter> parameterList() {
        if (optimizerView == null) {
            List<Parameter> view = new ArrayList<>();
            network.namedParameters()
                    .forEach((name, p) -> view.add(Parameter.builder()
                            .setName(name)
                            .setType(p.getType())
                            .optArray(p.getArray())
                            .build()));
            optimizerView = List.copyOf(view);
        }
        return new ArrayList<>(optimizerView);
    }

    NDManager weightsManager() {
        return weights;
    }

    // --- CausalLm

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxContext() {
        return config.contextLength();
    }

    @Override
    public int[] endTokenIds() {
        return new int[] {ByteTokenizer.EOS};
    }

    @Override
    public int layers() {
        return config.layers();
    }

    @Override
    public Device device() {
        return root.getDevice();
    }

    @Override
    public NDManager manager() {
        return root;
    }

    @Override
    public String describe() {
        return "gpt dim=" + config.dim() + " layers=" + config.layers() + " heads=" + config.heads() + " ffn="
                + config.ffnHidden() + " vocab=" + config.vocabSize() + " ctx=" + config.contextLength() + " params="
                + config.parameterCount() + " on " + device();
    }

    @Override
    public void close() {
        root.close();
    }
}
