package dev.probeval.model.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MatMulTest {
    @Test
    void theTestJvmShouldRunTheVectorForm() {
        assertTrue(
                MatMul.vectorized(),
                "surefire starts the JVM with --add-modules=jdk.incubator.vector, so the vector kernel is in use");
    }

    @Test
    void vectorAndScalarFormsShouldBeBitIdenticalOnEveryShapeIncludingTails() {
        SplittableRandom rnd = new SplittableRandom(7);
        MatMul vector = MatMul.best();
        MatMul scalar = MatMul.scalar();
        int[] rowsList = {1, 2, 3, 4, 5, 7, 8, 9, 13};
        int[] ins = {1, 3, 8, 17, 64};
        int[] outs = {1, 5, 8, 15, 16, 17, 33, 40, 64, 70};
        for (int rows : rowsList) {
            for (int in : ins) {
                for (int out : outs) {
                    for (boolean acc : new boolean[] {false, true}) {
                        int xOff = 3;
                        int yOff = 5;
                        float[] x = random(rnd, xOff + rows * in);
                        float[] w = random(rnd, in * out);
                        float[] y0 = random(rnd, yOff + rows * out + 2);
                        float[] y1 = y0.clone();
                        vector.apply(x, xOff, rows, in, w, out, y0, yOff, acc);
                        scalar.apply(x, xOff, rows, in, w, out, y1, yOff, acc);
                        for (int i = 0; i < y0.length; i++) {
                            assertEquals(
                                    Float.floatToRawIntBits(y1[i]),
                                    Float.floatToRawIntBits(y0[i]),
                                    "rows " + rows + " in " + in + " out " + out + " acc " + acc + " at " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void stridedWeightsShouldGiveBitIdenticalResultsInBothForms() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int out : new int[] {3, 8, 16, 21, 40, 77}) {
            for (int in : new int[] {1, 8, 32, 50}) {
                int stride = out + 13;
                int wOff = 7;
                float[] x = random(rnd, in);
                float[] w = random(rnd, wOff + in * stride);
                float[] y0 = new float[out];
                float[] y1 = new float[out];
                MatMul.best().apply(x, 0, 1, in, w, wOff, stride, out, y0, 0, false);
                MatMul.scalar().apply(x, 0, 1, in, w, wOff, stride, out, y1, 0, false);
                for (int o = 0; o < out; o++) {
                    float expected = 0f;
                    for (int i = 0; i < in; i++) {
                        expected = Math.fma(x[i], w[wOff + i * stride + o], expected);
                    }
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y0[o]), "vector " + o);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y1[o]), "scalar " + o);
                }
            }
        }
    }

    @Test
    void scalarFormShouldComputeTheProductOfTheTransposedWeight() {
        // x = [[1, 2]], w (stored [in][out]) = [[1, 2, 3], [4, 5, 6]] -> y = [9, 12, 15]
        float[] y = {100f, 100f, 100f};
        MatMul.best().apply(new float[] {1, 2}, 0, 1, 2, new float[] {1, 2, 3, 4, 5, 6}, 3, y, 0, false);
        assertEquals(9f, y[0]);
        assertEquals(12f, y[1]);
        assertEquals(15f, y[2]);
        MatMul.best().apply(new float[] {1, 2}, 0, 1, 2, new float[] {1, 2, 3, 4, 5, 6}, 3, y, 0, true);
        assertEquals(30f, y[2]);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }
}
