package dev.probeval.tests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.probeval.testsupport.SharedDir;
import dev.probeval.worker.ModelCatalog;
import dev.probeval.worker.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The stories260K checkpoint in ../shared, or a skipped test when it is absent. A copy of sampler-worker's test helper
 * of the same name (test code of one module is not visible to another) until a shared test-support module exists.
 */
final class Stories {
    private Stories() {}

    static Path checkpoint() {
        Path p = SharedDir.file("models/stories260K/stories260K.bin").orElse(null);
        assumeTrue(p != null && Files.isRegularFile(p), SharedDir.MISSING_MESSAGE);
        return p;
    }

    static Path tokenizer() {
        Path p = SharedDir.file("models/stories260K/tok512.bin").orElse(null);
        assumeTrue(p != null && Files.isRegularFile(p), SharedDir.MISSING_MESSAGE);
        return p;
    }

    /** A catalog serving stories260K as {@code version}. */
    static ModelCatalog catalog(String version) {
        return ModelCatalog.of(List.of(new ModelSpec(version, checkpoint(), tokenizer())));
    }
}
