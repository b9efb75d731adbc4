package dev.probeval.app;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which lab: {@code --lab-config FILE} (alias {@code --config}) and {@code --cache-dir DIR}, the same in
 * {@code lab run|train|unlearn}, {@code evaluate-offline} and {@code demo}.
 */
final class LabOptions {
    @Option(
            names = {"--lab-config", "--config"},
            paramLabel = "FILE",
            description =
                    "Lab config: JSON merged over the built-in lab-defaults.json (only the fields it names change).")
    Path config;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            description =
                    "Lab cache holding the model versions (default: $PROBEVAL_LAB_CACHE or ~/.cache/probeval/lab; "
                            + "demo --quick: lab-quick beside it).")
    Path cacheDir;
}
