package dev.probeval.app;

import dev.probeval.model.backend.Engine;
import picocli.CommandLine.Option;

/**
 * Which inference engine decodes local models ({@code --engine java|djl}), the same in every command that draws
 * samples ({@code worker}, {@code serve}, {@code sample}, {@code evaluate-offline}, {@code demo}), so their samples
 * agree with each other by default.
 */
final class EngineOptions {
    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "java",
            description = "Inference engine for local models: java (the batched plain-Java engine, default) or djl "
                    + "(DJL's PyTorch engine, as training uses). Same logits within float rounding; see docs/model.md.")
    String name;

    /** The chosen engine; an unknown name is the exit-2 line {@code --engine NAME: ...}. */
    Engine engine() {
        try {
            return Engine.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--engine: " + e.getMessage());
        }
    }
}
