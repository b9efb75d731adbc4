package dev.probeval.model.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MatMul} with the JDK's vector API: register tiles of 4 rows × 2 vectors of outputs, each lane its own fused
 * multiply-add chain (the same chain as the scalar form, so the results are bit-identical). The column blocks are
 * the outer loop, so one block of the weight (in × 2 vectors, a few KiB) stays in the L1 cache while every row tile
 * reads it; leftover rows use 1-row tiles and leftover outputs the scalar chain. Loaded only when the
 * {@code jdk.incubator.vector} module is present.
 */
final class VectorMatMul extends MatMul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    void apply(
            float[] x,
            int xOff,
            int rows,
            int in,
            float[] wt,
            int wOff,
            int ws,
            int out,
            float[] y,
            int yOff,
            boolean accumulate) {
        int o = 0;
        for (; o + 2 * L <= out; o += 2 * L) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                block4x2(x, xOff + r * in, in, wt, wOff + o, ws, out, y, yOff + r * out + o, accumulate);
            }
            for (; r < rows; r++) {
                block1x2(x, xOff + r * in, in, wt, wOff + o, ws, y, yOff + r * out + o, accumulate);
            }
        }
        for (; o + L <= out; o += L) {
            for (int r = 0; r < rows; r++) {
                block1x1(x, xOff + r * in, in, wt, wOff + o, ws, y, yOff + r * out + o, accumulate);
            }
        }
        if (o < out) {
            for (int r = 0; r < rows; r++) {
                scalarTail(x, xOff + r * in, in, wt, wOff, ws, out, o, y, yOff + r * out, accumulate);
            }
        }
    }

    /** Rows x0, x0+in, ... (4 of them) × outputs [w0, w0 + 2L): 8 accumulators. */
    private static void block4x2(
            float[] x, int x0, int in, float[] wt, int w0, int ws, int out, float[] y, int y0, boolean acc) {
        int x1 = x0 + in;
        int x2 = x1 + in;
        int x3 = x2 + in;
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        for (int i = 0, wi = w0; i < in; i++, wi += ws) {
            FloatVector v0 = FloatVector.fromArray(S, wt, wi);
            FloatVector v1 = FloatVector.fromArray(S, wt, wi + L);
            FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            b = FloatVector.broadcast(S, x[x1 + i]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            b = FloatVector.broadcast(S, x[x2 + i]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            b = FloatVector.broadcast(S, x[x3 + i]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
        }
        store(a00, y, y0, acc);
        store(a01, y, y0 + L, acc);
        store(a10, y, y0 + out, acc);
        store(a11, y, y0 + out + L, acc);
        store(a20, y, y0 + 2 * out, acc);
        store(a21, y, y0 + 2 * out + L, acc);
        store(a30, y, y0 + 3 * out, acc);
        store(a31, y, y0 + 3 * out + L, acc);
    }

    private static void block1x2(
            float[] x, int x0, int in, float[] wt, int w0, int ws, float[] y, int y0, boolean acc) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        for (int i = 0, wi = w0; i < in; i++, wi += ws) {
            FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
            a0 = b.fma(FloatVector.fromArray(S, wt, wi), a0);
            a1 = b.fma(FloatVector.fromArray(S, wt, wi + L), a1);
        }
        store(a0, y, y0, acc);
        store(a1, y, y0 + L, acc);
    }

    private static void block1x1(
            float[] x, int x0, int in, float[] wt, int w0, int ws, float[] y, int y0, boolean acc) {
        FloatVector a0 = FloatVector.zero(S);
        for (int i = 0, wi = w0; i < in; i++, wi += ws) {
            a0 = FloatVector.broadcast(S, x[x0 + i]).fma(FloatVector.fromArray(S, wt, wi), a0);
        }
        store(a0, y, y0, acc);
    }

    private static void store(FloatVector a, float[] y, int at, boolean acc) {
        if (acc) {
            a = FloatVector.fromArray(S, y, at).add(a);
        }
        a.intoArray(y, at);
    }

    /** Outputs {@code from .. out - 1} of one row as scalar chains, the same chain as each vector lane. */
    private static void scalarTail(
            float[] x,
            int x0,
            int in,
            float[] wt,
            int wOff,
            int ws,
            int out,
            int from,
            float[] y,
            int y0,
            boolean acc) {
        for (int o = from; o < out; o++) {
            float a = 0f;
            for (int i = 0, wi = wOff + o; i < in; i++, wi += ws) {
                a = Math.fma(x[x0 + i], wt[wi], a);
            }
            y[y0 + o] = acc ? y[y0 + o] + a : a;
        }
    }
}
