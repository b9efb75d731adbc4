package dev.probeval.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the GPT computed before it was split into DJL blocks, kept as the yardstick for the block forward: the
 * uncached forward pass of the format-1 {@code GptModel} on raw arrays (a hand-written LayerNorm on
 * mean/variance, static Linear and Embedding ops), and the reference numbers that build recorded in
 * {@code src/test/resources/gpt-format1} (see the README there).
 */
final class Format1Reference {
    private Format1Reference() {}

    /** The config the recorded numbers were made with. */
    static final GptConfig CONFIG = new GptConfig(258, 16, 8, 2, 2, 24);
    /** The recorded probe: BOS + the bytes of "Cats nap.". */
    static final String PROBE = "Cats nap.";

    /** The format-1 forward over the named parameters of a model; logits {@code [batch, t, vocab]}. */
    static NDArray logits(GptConfig c, Map<String, NDArray> p, NDArray tokens) {
        NDManager m = tokens.getManager();
        long b = tokens.getShape().get(0);
        int t = (int) tokens.getShape().get(1);
        int h = c.heads();
        int hs = c.headSize();
        NDArray ids = tokens.toType(DataType.INT64, false);
        NDArray x = Embedding.embedding(ids, p.get("wte"), SparseFormat.DENSE).singletonOrThrow();
        x = x.add(p.get("wpe").get(m, new NDIndex("{}:{}", 0, t)));
        NDArray mask = GptForward.causalMask(m, t, 0);
        for (int i = 0; i < c.layers(); i++) {
            String l = "h" + i + ".";
            NDArray a = layerNorm(x, p.get(l + "ln1.gamma"), p.get(l + "ln1.beta"));
            NDArray qkv = Linear.linear(a, p.get(l + "attn.qkv"))
                    .singletonOrThrow()
                    .reshape(b, t, 3, h, hs)
                    .transpose(2, 0, 3, 1, 4);
            NDArray scores = qkv.get(0)
                    .matMul(qkv.get(1).transpose(0, 1, 3, 2))
                    .mul((float) (1.0 / Math.sqrt(hs)))
                    .add(mask);
            NDArray out =
                    scores.softmax(-1).matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(b, t, c.dim());
            x = x.add(Linear.linear(out, p.get(l + "attn.proj")).singletonOrThrow());
            NDArray f = layerNorm(x, p.get(l + "ln2.gamma"), p.get(l + "ln2.beta"));
            NDArray hidden =
                    Activation.gelu(Linear.linear(f, p.get(l + "mlp.fc1")).singletonOrThrow());
            x = x.add(Linear.linear(hidden, p.get(l + "mlp.fc2")).singletonOrThrow());
        }
        x = layerNorm(x, p.get("lnf.gamma"), p.get("lnf.beta"));
        return Linear.linear(x, p.get("wte")).singletonOrThrow();
    }

    private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray c = x.sub(mean);
        NDArray inv = c.square().mean(new int[] {-1}, true).add(1e-5f).pow(-0.5f);
        return c.mul(inv).mul(gamma).add(beta);
    }

    /** Recorded logits (one float's raw bits per line) from a resource under {@code gpt-format1/}. */
    static float[] recorded(String name) {
        try (InputStream in = Format1Reference.class.getResourceAsStream("/gpt-format1/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource gpt-format1/" + name + " is missing");
            }
            String[] lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .trim()
                    .split("\n");
            float[] out = new float[lines.length];
            for (int i = 0; i < lines.length; i++) {
                out[i] = Float.intBitsToFloat(Integer.parseInt(lines[i].trim()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpoint directory written by the format-1 build. */
    static Path checkpoint() {
        try {
            return Path.of(Format1Reference.class
                            .getResource("/gpt-format1/v1-checkpoint/manifest.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Shape shape(int[] ids) {
        return new Shape(1, ids.length);
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
