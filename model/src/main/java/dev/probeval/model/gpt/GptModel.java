package dev.probeval.model.gpt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.probeval.model.CausalLm;
import dev.probeval.model.Devices;
import dev.probeval.model.KvCache;
import dev.probeval.model.TextTokenizer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small GPT as a DJL block: token embedding (tied with the output head), learned positions, pre-norm blocks
 * (LayerNorm, causal multi-head attention, LayerNorm, GELU MLP), final LayerNorm. {@link #logits} returns logits
 * for a whole batch so callers can build any loss (NLL, gradient ascent, entropy); {@link #forward} adds a KV cache
 * for sampling. Saved as a directory: {@code manifest.json} (format, version, architecture, tokenizer, provenance)
 * plus {@code model.params} (DJL's parameter encoding).
 */
public final class GptModel extends AbstractBlock implements CausalLm {
  public static final String MANIFEST = "manifest.json";
  public static final String PARAMS = "model.params";
  public static final String FORMAT = "probeval-gpt";
  public static final int FORMAT_VERSION = 1;
  private static final byte BLOCK_VERSION = 1;

  private final GptConfig config;
  private final ByteTokenizer tokenizer = new ByteTokenizer();
  private final NDManager root;
  private final NDManager weights;
  private final Parameter wte;
  private final Parameter wpe;
  private final Parameter[] ln1g;
  private final Parameter[] ln1b;
  private final Parameter[] wqkv;
  private final Parameter[] wo;
  private final Parameter[] ln2g;
  private final Parameter[] ln2b;
  private final Parameter[] fc1;
  private final Parameter[] fc2;
  private final Parameter lnfg;
  private final Parameter lnfb;
  private Map<String, Object> provenance = new LinkedHashMap<>();

  /** Makes the initial array of a parameter; null means "shape only" (the values are loaded afterwards). */
  private interface InitialValues {
    float[] values(String name, Parameter.Type type, Shape shape);
  }

  private final InitialValues init;

  private GptModel(GptConfig config, Device device, InitialValues init) {
    super(BLOCK_VERSION);
    this.config = config;
    this.init = init;
    this.root = NDManager.newBaseManager(device);
    this.weights = root.newSubManager();
    int d = config.dim();
    int l = config.layers();
    wte = param("wte", Parameter.Type.WEIGHT, config.vocabSize(), d);
    wpe = param("wpe", Parameter.Type.WEIGHT, config.contextLength(), d);
    ln1g = new Parameter[l];
    ln1b = new Parameter[l];
    wqkv = new Parameter[l];
    wo = new Parameter[l];
    ln2g = new Parameter[l];
    ln2b = new Parameter[l];
    fc1 = new Parameter[l];
    fc2 = new Parameter[l];
    for (int i = 0; i < l; i++) {
      ln1g[i] = param("h" + i + ".ln1.gamma", Parameter.Type.GAMMA, d);
      ln1b[i] = param("h" + i + ".ln1.beta", Parameter.Type.BETA, d);
      wqkv[i] = param("h" + i + ".attn.qkv", Parameter.Type.WEIGHT, 3 * d, d);
      wo[i] = param("h" + i + ".attn.proj", Parameter.Type.WEIGHT, d, d);
      ln2g[i] = param("h" + i + ".ln2.gamma", Parameter.Type.GAMMA, d);
      ln2b[i] = param("h" + i + ".ln2.beta", Parameter.Type.BETA, d);
      fc1[i] = param("h" + i + ".mlp.fc1", Parameter.Type.WEIGHT, config.ffnHidden(), d);
      fc2[i] = param("h" + i + ".mlp.fc2", Parameter.Type.WEIGHT, d, config.ffnHidden());
    }
    lnfg = param("lnf.gamma", Parameter.Type.GAMMA, d);
    lnfb = param("lnf.beta", Parameter.Type.BETA, d);
  }

  private Parameter param(String name, Parameter.Type type, long... dims) {
    Shape shape = new Shape(dims);
    Parameter.Builder b = Parameter.builder().setName(name).setType(type);
    if (init == null) {
      b.optShape(shape);
    } else {
      b.optArray(weights.create(init.values(name, type, shape), shape));
    }
    return addParameter(b.build());
  }

  /**
   * A freshly initialised model: weights ~ N(0, 0.02²) (residual projections scaled by 1/√(2·layers), as GPT-2),
   * LayerNorm γ = 1, β = 0, drawn from a {@link SplittableRandom} with {@code seed} so the same seed gives the same
   * model on any machine.
   */
  public static GptModel create(GptConfig config, long seed) {
    return create(config, seed, Devices.preferred());
  }

  public static GptModel create(GptConfig config, long seed, Device device) {
    SplittableRandom rng = new SplittableRandom(seed);
    double residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
    GptModel m = new GptModel(config, device, (name, type, shape) -> {
      float[] v = new float[(int) shape.size()];
      if (type == Parameter.Type.GAMMA) {
        java.util.Arrays.fill(v, 1f);
      } else if (type == Parameter.Type.WEIGHT) {
        double std = name.endsWith(".proj") || name.endsWith(".fc2") ? residualStd : 0.02;
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rng.nextGaussian() * std);
        }
      }
      return v;
    });
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

  /** Parameters by name, in a stable order (for optimizers and inspection). */
  public Map<String, NDArray> namedArrays() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Parameter p : parameters.values()) {
      out.put(p.getName(), p.getArray());
    }
    return out;
  }

  /** Logits {@code [batch, t, vocab]} for token ids {@code [batch, t]} from position 0, without a cache. */
  public NDArray logits(NDArray tokens) {
    return run(tokens, null);
  }

  @Override
  public NDArray forward(NDArray tokens, KvCache cache) {
    return run(tokens, cache);
  }

  private NDArray run(NDArray tokens, KvCache cache) {
    NDManager m = tokens.getManager();
    long b = tokens.getShape().get(0);
    int t = (int) tokens.getShape().get(1);
    int start = cache == null ? 0 : cache.length();
    if (start + t > config.contextLength()) {
      throw new IllegalArgumentException("sequence of " + (start + t) + " positions exceeds the model context "
          + config.contextLength());
    }
    int h = config.heads();
    int hs = config.headSize();
    int d = config.dim();
    NDArray ids = tokens.getDataType() == DataType.INT64 ? tokens : tokens.toType(DataType.INT64, false);
    NDArray x = Embedding.embedding(ids, wte.getArray(), SparseFormat.DENSE).singletonOrThrow();
    x = x.add(wpe.getArray().get(m, new NDIndex("{}:{}", start, start + t)));
    NDArray mask = t > 1 ? causalMask(m, t, start) : null;
    float scale = (float) (1.0 / Math.sqrt(hs));
    for (int i = 0; i < config.layers(); i++) {
      NDArray a = layerNorm(x, ln1g[i].getArray(), ln1b[i].getArray());
      NDArray qkv = Linear.linear(a, wqkv[i].getArray()).singletonOrThrow().reshape(b, t, 3, h, hs)
          .transpose(2, 0, 3, 1, 4);
      NDArray q = qkv.get(0);
      NDArray k = qkv.get(1);
      NDArray v = qkv.get(2);
      NDArray keys = k;
      NDArray values = v;
      if (cache != null) {
        NDArray[] kv = cache.append(i, k, v);
        keys = own(m, kv[0].get(new NDIndex("...")));
        values = own(m, kv[1].get(new NDIndex("...")));
      }
      NDArray scores = q.matMul(keys.transpose(0, 1, 3, 2)).mul(scale);
      if (mask != null) {
        scores = scores.add(mask);
      }
      NDArray out = scores.softmax(-1).matMul(values).transpose(0, 2, 1, 3).reshape(b, t, d);
      x = x.add(Linear.linear(out, wo[i].getArray()).singletonOrThrow());
      NDArray f = layerNorm(x, ln2g[i].getArray(), ln2b[i].getArray());
      NDArray hidden = Activation.gelu(Linear.linear(f, fc1[i].getArray()).singletonOrThrow());
      x = x.add(Linear.linear(hidden, fc2[i].getArray()).singletonOrThrow());
    }
    if (cache != null) {
      cache.advance(t);
    }
    x = layerNorm(x, lnfg.getArray(), lnfb.getArray());
    return Linear.linear(x, wte.getArray()).singletonOrThrow();
  }

  private static NDArray own(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
    NDArray mean = x.mean(new int[] {-1}, true);
    NDArray c = x.sub(mean);
    NDArray inv = c.square().mean(new int[] {-1}, true).add(1e-5f).pow(-0.5f);
    return c.mul(inv).mul(gamma).add(beta);
  }

  private static NDArray causalMask(NDManager m, int t, int start) {
    int s = start + t;
    float[] mask = new float[t * s];
    for (int i = 0; i < t; i++) {
      for (int j = start + i + 1; j < s; j++) {
        mask[i * s + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return m.create(mask, new Shape(t, s));
  }

  // --- DJL Block plumbing: a Trainer or Predictor can drive the block as well.

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
    return new NDList(logits(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
  }

  // --- persistence

  /** Writes {@code manifest.json} and {@code model.params} into {@code dir} (created if needed). */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(dir.resolve(PARAMS)));
        DataOutputStream dos = new DataOutputStream(os)) {
      writeParameters(dos);
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", FORMAT);
    manifest.put("version", FORMAT_VERSION);
    Map<String, Object> arch = new LinkedHashMap<>();
    arch.put("type", "gpt");
    arch.put("vocabSize", config.vocabSize());
    arch.put("contextLength", config.contextLength());
    arch.put("dim", config.dim());
    arch.put("layers", config.layers());
    arch.put("heads", config.heads());
    arch.put("ffnHidden", config.ffnHidden());
    arch.put("positions", "learned");
    arch.put("norm", "layernorm-prenorm");
    arch.put("activation", "gelu");
    arch.put("tiedHead", true);
    arch.put("parameterCount", config.parameterCount());
    manifest.put("architecture", arch);
    manifest.put("tokenizer", Map.of("type", ByteTokenizer.TYPE, "vocabSize", ByteTokenizer.VOCAB_SIZE,
        "bos", ByteTokenizer.BOS, "eos", ByteTokenizer.EOS));
    manifest.put("parameters", PARAMS);
    manifest.put("provenance", provenance);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(MANIFEST).toFile(),
        manifest);
  }

  private static final int PARAMS_MAGIC = 0x50564750; // "PVGP"

  /** Parameter file: magic, count, then per parameter its name and DJL's {@code NDArray.encode()} bytes. */
  private void writeParameters(DataOutputStream out) throws IOException {
    out.writeInt(PARAMS_MAGIC);
    out.writeInt(parameters.size());
    for (Parameter p : parameters.values()) {
      out.writeUTF(p.getName());
      byte[] bytes = p.getArray().encode();
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  private void readParameters(DataInputStream in, Path file) throws IOException {
    if (in.readInt() != PARAMS_MAGIC) {
      throw new IOException(file + ": not a probeval GPT parameter file");
    }
    int count = in.readInt();
    if (count != parameters.size()) {
      throw new IOException(file + ": holds " + count + " parameters, the architecture has " + parameters.size());
    }
    for (Parameter p : parameters.values()) {
      String name = in.readUTF();
      if (!name.equals(p.getName())) {
        throw new IOException(file + ": expected parameter " + p.getName() + ", found " + name);
      }
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      NDArray a = NDArray.decode(weights, bytes);
      if (!a.getShape().equals(p.getShape())) {
        throw new IOException(file + ": parameter " + name + " has shape " + a.getShape() + ", expected "
            + p.getShape());
      }
      p.setShape(null);
      p.setArray(a);
    }
  }

  /** True when {@code dir} holds a small-GPT manifest. */
  public static boolean isModelDirectory(Path dir) {
    return Files.isRegularFile(dir.resolve(MANIFEST));
  }

  /** Loads a model saved by {@link #save}; errors name the file and what is wrong. */
  @SuppressWarnings("unchecked")
  public static GptModel load(Path dir, Device device) throws IOException {
    Path manifestFile = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new NoSuchFileException(manifestFile.toString(), null, "small-GPT manifest not found");
    }
    Map<String, Object> manifest = new ObjectMapper().readValue(manifestFile.toFile(), Map.class);
    if (!FORMAT.equals(manifest.get("format"))) {
      throw new IOException(manifestFile + ": format is " + manifest.get("format") + ", expected " + FORMAT);
    }
    Object version = manifest.get("version");
    if (!(version instanceof Number) || ((Number) version).intValue() != FORMAT_VERSION) {
      throw new IOException(manifestFile + ": unsupported version " + version + " (this build reads "
          + FORMAT_VERSION + ")");
    }
    Map<String, Object> a = (Map<String, Object>) manifest.get("architecture");
    Map<String, Object> tok = (Map<String, Object>) manifest.get("tokenizer");
    if (a == null || tok == null || !ByteTokenizer.TYPE.equals(tok.get("type"))) {
      throw new IOException(manifestFile + ": needs an architecture and a tokenizer of type " + ByteTokenizer.TYPE);
    }
    GptConfig config;
    try {
      config = new GptConfig(num(a, "vocabSize"), num(a, "contextLength"), num(a, "dim"), num(a, "layers"),
          num(a, "heads"), num(a, "ffnHidden"));
    } catch (IllegalArgumentException e) {
      throw new IOException(manifestFile + ": " + e.getMessage(), e);
    }
    GptModel m = new GptModel(config, device, null);
    Path params = dir.resolve(String.valueOf(manifest.getOrDefault("parameters", PARAMS)));
    try (InputStream is = new BufferedInputStream(Files.newInputStream(params));
        DataInputStream dis = new DataInputStream(is)) {
      m.readParameters(dis, params);
    } catch (RuntimeException e) {
      m.close();
      throw new IOException(params + ": cannot load parameters: " + e.getMessage(), e);
    }
    Object prov = manifest.get("provenance");
    if (prov instanceof Map) {
      m.provenance = new LinkedHashMap<>((Map<String, Object>) prov);
    }
    return m;
  }

  public static GptModel load(Path dir) throws IOException {
    return load(dir, Devices.preferred());
  }

  private static int num(Map<String, Object> a, String key) throws IOException {
    Object v = a.get(key);
    if (!(v instanceof Number)) {
      throw new IOException("manifest architecture lacks integer field " + key);
    }
    return ((Number) v).intValue();
  }

  /** All parameter arrays, for optimizers. */
  List<Parameter> parameterList() {
    return new ArrayList<>(parameters.values());
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
