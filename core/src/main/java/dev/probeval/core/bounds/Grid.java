package dev.probeval.core.bounds;

/**
 * The reference library's integration grid: {@code numpy.linspace(0, 1, 100)}, i.e. T_j = j·(1/99) for j < 99 and
 * T_99 = 1.0 exactly, with steps taken as floating-point differences (paper-spec §1.4, trap §8.5j).
 */
final class Grid {
    static final int SIZE = 100;
    static final double[] T = new double[SIZE];
    static final double[] H = new double[SIZE - 1];

    static {
        double step = 1.0 / (SIZE - 1);
        for (int j = 0; j < SIZE - 1; j++) {
            T[j] = j * step;
        }
        T[SIZE - 1] = 1.0;
        for (int j = 0; j < SIZE - 1; j++) {
            H[j] = T[j + 1] - T[j];
        }
    }

    private Grid() {}

    /** The smallest j with x ≤ T_j, for x in [0,1]: the grid cell whose counter a score increments. */
    static int cellOf(double x) {
        int j = (int) Math.ceil(x * (SIZE - 1));
        if (j < 0) {
            j = 0;
        } else if (j > SIZE - 1) {
            j = SIZE - 1;
        }
        // x*99 can round across a grid point; settle on the exact definition with the stored T values.
        while (j > 0 && x <= T[j - 1]) {
            j--;
        }
        while (x > T[j]) {
            j++;
        }
        return j;
    }
}
