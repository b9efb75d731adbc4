package dev.probeval.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the read-only {@code shared/} directory that sits beside a checkout (specification, test vectors, TOFU
 * logs, the stories260K model). Tests use it as an oracle and skip when it is absent.
 *
 * <p>Resolution order: system property {@code probeval.shared}, environment variable {@code PROBEVAL_SHARED}, then
 * {@code ../shared} relative to the nearest ancestor of the working directory that holds the root {@code pom.xml}
 * of this project.
 */
public final class SharedDir {
  /** The message tests print when they skip for lack of the shared directory. */
  public static final String MISSING_MESSAGE =
      "../shared (spec, vectors, TOFU logs, stories260K) not found beside the repository; "
          + "set -Dprobeval.shared=PATH or PROBEVAL_SHARED to run this test";

  private SharedDir() {}

  /** The shared directory if it can be found and holds the specification. */
  public static Optional<Path> find() {
    String prop = System.getProperty("probeval.shared");
    if (prop != null && isShared(Path.of(prop))) {
      return Optional.of(Path.of(prop).toAbsolutePath().normalize());
    }
    String env = System.getenv("PROBEVAL_SHARED");
    if (env != null && isShared(Path.of(env))) {
      return Optional.of(Path.of(env).toAbsolutePath().normalize());
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolveSibling("shared");
      if (Files.isRegularFile(dir.resolve(".mvn/maven.config")) && isShared(candidate)) {
        return Optional.of(candidate.normalize());
      }
    }
    return Optional.empty();
  }

  /** A file inside the shared directory, if the directory and the file exist. */
  public static Optional<Path> file(String relative) {
    return find().map(d -> d.resolve(relative)).filter(Files::exists);
  }

  private static boolean isShared(Path p) {
    return Files.isRegularFile(p.resolve("spec/paper-spec.md"));
  }
}
