package dev.probeval.avro;

import java.util.Objects;

/**
 * The one place the contract's {@link BoundMode} (Avro, what requests and bounds records carry) and core's {@link
 * dev.probeval.core.bounds.BoundMode} (what the bounds math takes) are mapped onto each other. Exhaustive switches: a
 * constant added to one enum without a case here does not compile, and {@code BoundModesTest} fails when the other
 * enum lacks the counterpart.
 */
public final class BoundModes {
    private BoundModes() {}

    /** Core's mode for a request's or bounds record's mode. */
    public static dev.probeval.core.bounds.BoundMode toCore(BoundMode mode) {
        return switch (Objects.requireNonNull(mode, "bound mode")) {
            case CONBO -> dev.probeval.core.bounds.BoundMode.CONBO;
            case SOUND -> dev.probeval.core.bounds.BoundMode.SOUND;
            case ANYTIME -> dev.probeval.core.bounds.BoundMode.ANYTIME;
        };
    }

    /** The contract's mode for one of core's, e.g. to put a command-line mode into an {@link EvalRequest}. */
    public static BoundMode toAvro(dev.probeval.core.bounds.BoundMode mode) {
        return switch (Objects.requireNonNull(mode, "bound mode")) {
            case CONBO -> BoundMode.CONBO;
            case SOUND -> BoundMode.SOUND;
            case ANYTIME -> BoundMode.ANYTIME;
        };
    }
}
