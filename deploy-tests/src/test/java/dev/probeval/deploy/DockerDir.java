package dev.probeval.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's {@code docker/} directory, found from the module's working directory. */
final class DockerDir {
    private DockerDir() {}

    static Path path() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("docker");
            if (Files.isRegularFile(d.resolve("compose.yaml"))) {
                return d;
            }
        }
        throw new IllegalStateException(
                "docker/compose.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
