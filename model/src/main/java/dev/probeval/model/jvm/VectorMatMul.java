package dev.probeval.model.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatMul} with the JDK's vector API: a register tile of 4 rows × 2 vectors of outputs, each lane its own
 * fused multiply-add chain (the same chain as the scalar form, so the results are bit-identical); leftover rows use
 * a 1-row tile and leftover outputs the scalar chain. Loaded only when the {@code jdk.incubator.vector} module is
 * present.
 */
final class VectorMatMul extends MatMul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    void apply(float[] x, int xOff, int rows, int in, float[] wt, int out, float[] y, int yOff, boolean accumulate) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            tile4(x, xOff + r * in, in, wt, out, y, yOff + r * out, accumulate);
        }
        for (; r < rows; r++) {
            tile1(x, xOff + r * in, in, wt, out, y, yOff + r * out, accumulate);
        }
    }

    private static void tile4(float[] x, int x0, int in, float[] wt, int out, float[] y, int y0, boolean acc) {
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        int o = 0;
        for (; o + 2 * L <= out; o += 2 * L) {
            FloatVector a00 = FloatVector.zero(S);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            for (int i = 0, wi = o; i < in; i++, wi += out) {
                FloatVector w0 = FloatVector.fromArray(S, wt, wi);
                FloatVector w1 = FloatVector.fromArray(S, wt, wi + L);
                FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
                a00 = b.fma(w0, a00);
                a01 = b.fma(w1, a01);
                b = FloatVector.broadcast(S, x[x1 + i]);
                a10 = b.fma(w0, a10);
                a11 = b.fma(w1, a11);
                b = FloatVector.broadcast(S, x[x2 + i]);
                a20 = b.fma(w0, a20);
                a21 = b.fma(w1, a21);
                b = FloatVector.broadcast(S, x[x3 + i]);
                a30 = b.fma(w0, a30);
                a31 = b.fma(w1, a31);
            }
            store(a00, y, y0 + o, acc);
            store(a01, y, y0 + o + L, acc);
            store(a10, y, y0 + out + o, acc);
            store(a11, y, y0 + out + o + L, acc);
            store(a20, y, y0 + 2 * out + o, acc);
            store(a21, y, y0 + 2 * out + o + L, acc);
            store(a30, y, y0 + 3 * out + o, acc);
            store(a31, y, y0 + 3 * out + o + L, acc);
        }
        for (; o + L <= out; o += L) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0, wi = o; i < in; i++, wi += out) {
                FloatVector w0 = FloatVector.fromArray(S, wt, wi);
                a0 = FloatVector.broadcast(S, x[x0 + i]).fma(w0, a0);
                a1 = FloatVector.broadcast(S, x[x1 + i]).fma(w0, a1);
                a2 = FloatVector.broadcast(S, x[x2 + i]).fma(w0, a2);
                a3 = FloatVector.broadcast(S, x[x3 + i]).fma(w0, a3);
            }
            store(a0, y, y0 + o, acc);
            store(a1, y, y0 + out + o, acc);
            store(a2, y, y0 + 2 * out + o, acc);
            store(a3, y, y0 + 3 * out + o, acc);
        }
        for (int k = 0; k < 4; k++) {
            scalarTail(x, x0 + k * in, in, wt, out, o, y, y0 + k * out, acc);
        }
    }

    private static void tile1(float[] x, int x0, int in, float[] wt, int out, float[] y, int y0, boolean acc) {
        int o = 0;
        for (; o + 2 * L <= out; o += 2 * L) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            for (int i = 0, wi = o; i < in; i++, wi += out) {
                FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
                a0 = b.fma(FloatVector.fromArray(S, wt, wi), a0);
                a1 = b.fma(FloatVector.fromArray(S, wt, wi + L), a1);
            }
            store(a0, y, y0 + o, acc);
            store(a1, y, y0 + o + L, acc);
        }
        for (; o + L <= out; o += L) {
            FloatVector a0 = FloatVector.zero(S);
            for (int i = 0, wi = o; i < in; i++, wi += out) {
                a0 = FloatVector.broadcast(S, x[x0 + i]).fma(FloatVector.fromArray(S, wt, wi), a0);
            }
            store(a0, y, y0 + o, acc);
        }
        scalarTail(x, x0, in, wt, out, o, y, y0, acc);
    }

    private static void store(FloatVector a, float[] y, int at, boolean acc) {
        (acc ? FloatVector.fromArray(S, y, at).add(a) : a).intoArray(y, at);
    }

    /** Outputs {@code from .. out - 1} of one row as scalar chains, the same chain as each vector lane. */
    private static void scalarTail(
            float[] x, int x0, int in, float[] wt, int out, int from, float[] y, int y0, boolean acc) {
        for (int o = from; o < out; o++) {
            float a = 0f;
            for (int i = 0, wi = o; i < in; i++, wi += out) {
                a = Math.fma(x[x0 + i], wt[wi], a);
            }
            y[y0 + o] = acc ? y[y0 + o] + a : a;
        }
    }
}
