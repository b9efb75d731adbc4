package dev.probeval.model.backend;

import dev.probeval.core.text.Texts;
import java.util.Locale;

/**
 * Which inference engine decodes a local model. {@link #JAVA} (the default) is the plain-Java batched engine of
 * {@code dev.probeval.model.jvm}; {@link #DJL} runs the same checkpoint through DJL's PyTorch engine, the path
 * training uses. Both give the same logits within float rounding, so samples agree token for token except where
 * rounding moves a top-p boundary or a near tie; every sampling component uses the same default so that their
 * samples agree exactly.
 */
public enum Engine {
    JAVA,
    DJL;

    /** The engine every sampling component uses unless told otherwise. */
    public static final Engine DEFAULT = JAVA;

    /** The name used on command lines: {@code java} or {@code djl}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command-line name (case-insensitive); the error names the accepted values. */
    public static Engine parse(String name) {
        for (Engine e : values()) {
            if (e.cliName().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine " + Texts.clip(name) + " (expected java or djl)");
    }

    /**
     * Worker threads of the Java engine: the system property {@code probeval.jvm.threads} when set (>= 1), else
     * one per core.
     */
    public static int defaultThreads() {
        String set = System.getProperty("probeval.jvm.threads");
        if (set != null && !set.isBlank()) {
            int n = Integer.parseInt(set.trim());
            if (n < 1) {
                throw new IllegalArgumentException("probeval.jvm.threads must be >= 1, got " + n);
            }
            return n;
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
