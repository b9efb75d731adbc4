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
