package dev.probeval.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds the configured TOFU file (absolute, or relative to the shared directory) and selects TOFU-mini from it. */
public final class LabData {
    private LabData() {}

    /** The TOFU file of {@code cfg}; an error names where it was looked for. */
    public static Path file(LabConfig cfg) throws IOException {
        Path p = Path.of(cfg.data().file());
        if (p.isAbsolute() || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null, "TOFU data file not found");
            }
            return p;
        }
        Optional<Path> shared = SharedData.find();
        if (shared.isEmpty()) {
            String home = System.getProperty("probeval.home");
            if (home != null && Files.isDirectory(Path.of(home).resolveSibling("shared"))) {
                shared = Optional.of(Path.of(home).resolveSibling("shared"));
            }
        }
        Path f = shared.map(d -> d.resolve(p)).orElse(null);
        if (f == null || !Files.isRegularFile(f)) {
            throw new NoSuchFileException(
                    p.toString(),
                    null,
                    "TOFU data file not found "
                            + (f == null ? "(no shared directory: set PROBEVAL_SHARED)" : "at " + f));
        }
        return f;
    }

    /** TOFU-mini as configured. */
    public static DataSplit split(LabConfig cfg) throws IOException {
        LabConfig.Data d = cfg.data();
        return DataSplit.select(TofuData.load(file(cfg)), d.forgetAuthors(), d.retainAuthors(), d.maxChars());
    }
}
