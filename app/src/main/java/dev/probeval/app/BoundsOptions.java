package dev.probeval.app;

import dev.probeval.aggregator.AggregatorConfig;
import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundMode;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The bound settings, one mixin each so that a command takes only those it has, and each reads the same wherever it
 * appears: α ({@code --alpha}), the bound mode ({@code --mode}), τ ({@code --leak-threshold}) and λ of M_ED
 * ({@code --ed-lambda}). Numbers are plain decimals ({@link Decimal}); the ranges are the config builders'.
 */
final class BoundsOptions {
    private BoundsOptions() {}

    /** {@code --alpha A}. */
    static final class Alpha {
        @Option(
                names = "--alpha",
                paramLabel = "A",
                defaultValue = "" + BoundConfig.DEFAULT_ALPHA,
                converter = Decimal.class,
                description = "Failure probability of the bounds (one-sided miscoverage), in (0, 0.5] "
                        + "(default: ${DEFAULT-VALUE}).")
        double value;
    }

    /** {@code --mode MODE}. */
    static final class Mode {
        /** The default bound mode. */
        static final String DEFAULT = "SOUND";

        @Option(
                names = "--mode",
                paramLabel = "MODE",
                defaultValue = DEFAULT,
                description =
                        "Bound mode: ${COMPLETION-CANDIDATES}; CONBO = the reference library's numbers, SOUND = fixed-n "
                                + "guarantees, ANYTIME = valid at every n (default: ${DEFAULT-VALUE}).")
        BoundMode value;
    }

    /** {@code --leak-threshold TAU}. */
    static final class LeakThreshold {
        @Option(
                names = "--leak-threshold",
                paramLabel = "TAU",
                defaultValue = "" + BoundConfig.DEFAULT_LEAK_THRESHOLD,
                converter = Decimal.class,
                description = "Leak threshold tau in [0, 1]: a sample leaks when its score is >= TAU "
                        + "(default: ${DEFAULT-VALUE}).")
        double value;
    }

    /** {@code --ed-lambda L} (alias {@code --lambda}). */
    static final class EdLambda {
        @Option(
                names = {"--ed-lambda", "--lambda"},
                paramLabel = "L",
                defaultValue = "" + AggregatorConfig.DEFAULT_ED_LAMBDA,
                converter = Decimal.class,
                description = "Weight of M_sigma in M_ED = M_mu + L * M_sigma (default: ${DEFAULT-VALUE}).")
        double value;
    }

    /** Plain decimal numbers only: Java would also accept "0.5f", "0x1p-1" or "Infinity". */
    static final class Decimal implements ITypeConverter<Double> {
        static final Pattern PATTERN = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

        @Override
        public Double convert(String value) {
            if (!PATTERN.matcher(value.strip()).matches()) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
            return Double.valueOf(value.strip());
        }
    }
}
