package dev.probeval.worker;

import dev.probeval.testsupport.SharedDir;
import java.nio.file.Path;
import java.util.List;

/** The stories260K checkpoint in ../shared, or a skipped test when it is absent. */
final class Stories {
    private Stories() {}

    static Path checkpoint() {
        return SharedDir.require("models/stories260K/stories260K.bin");
    }

    static Path tokenizer() {
        return SharedDir.require("models/stories260K/tok512.bin");
    }

    /** A catalog serving stories260K as {@code version}. */
    static ModelCatalog catalog(String version) {
        return ModelCatalog.of(List.of(new ModelSpec(version, checkpoint(), tokenizer())));
    }
}
