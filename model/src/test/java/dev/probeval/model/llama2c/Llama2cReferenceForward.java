package dev.probeval.model.llama2c;

/**
 * An independent, single-sequence forward pass of a llama2.c transformer in plain Java (no DJL), written after the
 * arithmetic of llama2.c's {@code run.c}: RMSNorm (ε = 1e-5), rotary embeddings on adjacent pairs
 * {@code (2i, 2i+1)} of each head with frequency {@code 10000^(-(2i mod head_size)/head_size)}, grouped-query
 * attention (query head h reads key/value head {@code h / (n_heads / n_kv_heads)}), SwiGLU feed-forward
 * {@code w2(silu(w1 x) ⊙ w3 x)} and the classifier. It keeps its own KV cache and serves as the oracle that the DJL
 * implementation is tested against; it is not used for sampling.
 */
public final class Llama2cReferenceForward {
    private final Llama2cCheckpoint w;
    private final Llama2cCheckpoint.Config c;
    private final float[][] keyCache;
    private final float[][] valueCache;

    public Llama2cReferenceForward(Llama2cCheckpoint weights) {
        this.w = weights;
        this.c = weights.config;
        keyCache = new float[c.nLayers()][c.seqLen() * c.kvDim()];
        valueCache = new float[c.nLayers()][c.seqLen() * c.kvDim()];
    }

    /** Logits for {@code token} at position {@code pos}; positions must be fed in order starting at 0. */
    public float[] forward(int token, int pos) {
        int dim = c.dim();
        int hs = c.headSize();
        int kvDim = c.kvDim();
        int kvMul = c.nHeads() / c.nKvHeads();
        float[] x = new float[dim];
        System.arraycopy(w.tokenEmbedding, token * dim, x, 0, dim);
        float[] xb = new float[dim];
        float[] q = new float[dim];
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        float[] att = new float[pos + 1];
        float[] hb = new float[c.hiddenDim()];
        float[] hb2 = new float[c.hiddenDim()];
        for (int l = 0; l < c.nLayers(); l++) {
            rmsnorm(xb, x, w.rmsAtt[l]);
            matmul(q, xb, w.wq[l], dim, dim);
            matmul(k, xb, w.wk[l], dim, kvDim);
            matmul(v, xb, w.wv[l], dim, kvDim);
            for (int i = 0; i < dim; i += 2) {
                int headDim = i % hs;
                float freq = (float) (1.0 / Math.pow(10000.0, headDim / (double) hs));
                float val = pos * freq;
                float fcr = (float) Math.cos(val);
                float fci = (float) Math.sin(val);
                rotate(q, i, fcr, fci);
                if (i < kvDim) {
                    rotate(k, i, fcr, fci);
                }
            }
            System.arraycopy(k, 0, keyCache[l], pos * kvDim, kvDim);
            System.arraycopy(v, 0, valueCache[l], pos * kvDim, kvDim);
            float[] out = new float[dim];
            for (int h = 0; h < c.nHeads(); h++) {
                int kvOff = (h / kvMul) * hs;
                for (int t = 0; t <= pos; t++) {
                    float score = 0f;
                    for (int i = 0; i < hs; i++) {
                        score += q[h * hs + i] * keyCache[l][t * kvDim + kvOff + i];
                    }
                    att[t] = score / (float) Math.sqrt(hs);
                }
                softmax(att, pos + 1);
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < hs; i++) {
                        out[h * hs + i] += att[t] * valueCache[l][t * kvDim + kvOff + i];
                    }
                }
            }
            float[] xb2 = new float[dim];
            matmul(xb2, out, w.wo[l], dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb2[i];
            }
            rmsnorm(xb, x, w.rmsFfn[l]);
            matmul(hb, xb, w.w1[l], dim, c.hiddenDim());
            matmul(hb2, xb, w.w3[l], dim, c.hiddenDim());
            for (int i = 0; i < hb.length; i++) {
                float s = hb[i];
                hb[i] = s / (1f + (float) Math.exp(-s)) * hb2[i];
            }
            matmul(xb2, hb, w.w2[l], c.hiddenDim(), dim);
            for (int i = 0; i < dim; i++) {
                x[i] += xb2[i];
            }
        }
        rmsnorm(x, x, w.rmsFinal);
        float[] logits = new float[c.vocabSize()];
        matmul(logits, x, w.classifier, dim, c.vocabSize());
        return logits;
    }

    private static void rotate(float[] vec, int i, float fcr, float fci) {
        float v0 = vec[i];
        float v1 = vec[i + 1];
        vec[i] = v0 * fcr - v1 * fci;
        vec[i + 1] = v0 * fci + v1 * fcr;
    }

    private static void rmsnorm(float[] o, float[] x, float[] weight) {
        float ss = 0f;
        for (float xi : x) {
            ss += xi * xi;
        }
        ss = ss / x.length + 1e-5f;
        ss = 1f / (float) Math.sqrt(ss);
        for (int j = 0; j < x.length; j++) {
            o[j] = weight[j] * (ss * x[j]);
        }
    }

    private static void softmax(float[] x, int size) {
        float max = x[0];
        for (int i = 1; i < size; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) {
            x[i] /= sum;
        }
    }

    /** {@code out[i] = Σ_j w[i*n + j] x[j]} for i in [0, d). */
    private static void matmul(float[] out, float[] x, float[] w, int n, int d) {
        for (int i = 0; i < d; i++) {
            float val = 0f;
            int off = i * n;
            for (int j = 0; j < n; j++) {
                val += w[off + j] * x[j];
            }
            out[i] = val;
        }
    }
}
