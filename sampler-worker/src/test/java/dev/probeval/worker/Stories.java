package dev.probeval.worker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.probeval.core.SharedDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The stories260K checkpoint in ../shared, or a skipped test when it is absent. */
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
