package dev.probeval.model.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OpsTest {
    @Test
    void erfShouldMatchTabulatedValuesWithinItsStatedError() {
        // Abramowitz and Stegun table 7.1 and high-precision values.
        double[][] cases = {
            {0.0, 0.0},
            {0.1, 0.1124629160182849},
            {0.5, 0.5204998778130465},
            {1.0, 0.8427007929497149},
            {2.0, 0.9953222650189527},
            {2.5, 0.9995930479825550},
            {3.0, 0.9999779095030014},
            {4.0, 0.9999999845827421},
            {-1.5, -0.9661051464753108}
        };
        for (double[] c : cases) {
            assertEquals(c[1], Ops.erf(c[0]), 1.5e-7, "erf(" + c[0] + ")");
        }
    }

    @Test
    void geluShouldBeTheExactErfForm() {
        assertEquals(0f, Ops.gelu(0f));
        assertEquals(0.8413447460685429, Ops.gelu(1f), 1e-7);
        assertEquals(-0.15865525393145707, Ops.gelu(-1f), 1e-7);
        assertEquals(2.9959502, Ops.gelu(3f), 1e-6);
    }
}
