package dev.probeval.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the lab finds the shared data directory (TOFU logs) at run time: the {@code probeval.shared} system property,
 * then the {@code PROBEVAL_SHARED} environment variable, then a directory named {@code shared} beside the repository
 * root (found by walking up from the working directory to the folder holding {@code .mvn/maven.config}). A candidate
 * counts only if it holds {@code data/tofu}. Product code, unlike the tests' {@code SharedDir}, so it lives here.
 */
final class SharedData {
    private SharedData() {}

    static Optional<Path> find() {
        for (String v : new String[] {System.getProperty("probeval.shared"), System.getenv("PROBEVAL_SHARED")}) {
            if (v != null && isShared(Path.of(v))) {
                return Optional.of(Path.of(v).toAbsolutePath().normalize());
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isRegularFile(dir.resolve(".mvn/maven.config")) && isShared(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    private static boolean isShared(Path p) {
        return Files.isDirectory(p.resolve("data/tofu"));
    }
}
