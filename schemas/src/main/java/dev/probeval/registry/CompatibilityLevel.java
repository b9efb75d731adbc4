package dev.probeval.registry;

import java.util.Locale;

/**
 * Confluent's compatibility levels. BACKWARD (the default): consumers on the new schema can read data written with
 * the previous one, the order in which a consumer-first rollout needs it. The TRANSITIVE variants check every earlier
 * version, not only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** The new schema must read data written with the old one(s). */
    public boolean backward() {
        return backward;
    }

    /** The old schema(s) must read data written with the new one. */
    public boolean forward() {
        return forward;
    }

    /** Checked against every earlier version instead of only the latest. */
    public boolean transitive() {
        return transitive;
    }

    /** Parses a level name case-insensitively, or throws the registry's 42203 error naming the bad value. */
    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the registry error
            }
        }
        throw new SchemaRegistryException(
                422,
                SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level '" + name
                        + "'; expected one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                        + "FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE.");
    }
}
