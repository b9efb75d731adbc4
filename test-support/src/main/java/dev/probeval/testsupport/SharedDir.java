package dev.probeval.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the read-only {@code shared/} directory that sits beside a checkout (specification, bound test vectors,
 * TOFU logs, the stories260K model). Tests use it as an oracle and skip, with {@link #MISSING_MESSAGE}, when it is
 * absent; the benchmarks use it to pick real data over synthetic data.
 *
 * <p>A candidate counts only if it holds {@code spec/paper-spec.md}; a candidate without it is ignored and the next
 * one is tried. Candidates, in this order:
 *
 * <ol>
 *   <li>the system property {@code probeval.shared}. Surefire sets it for every module's tests to
 *       {@code ${maven.multiModuleProjectDirectory}/../shared} (parent {@code pom.xml}), i.e. the {@code shared}
 *       directory beside the repository root, whichever module runs;
 *   <li>the environment variable {@code PROBEVAL_SHARED} (for a JVM Surefire did not start, e.g. a benchmark);
 *   <li>walking up from the working directory (a module directory under Surefire): the sibling {@code shared} of
 *       each directory that holds {@code .mvn/maven.config} (a repository root), nearest first.
 * </ol>
 */
public final class SharedDir {
    /** The message tests print when they skip for lack of the shared directory. */
    public static final String MISSING_MESSAGE =
            "../shared (spec, vectors, TOFU logs, stories260K) not found beside the repository; "
                    + "set -Dprobeval.shared=PATH or PROBEVAL_SHARED to run this test";

    /** The property Surefire sets (parent pom); also the override a user passes. */
    public static final String PROPERTY = "probeval.shared";
    /** The environment variable consulted after {@link #PROPERTY}. */
    public static final String ENVIRONMENT = "PROBEVAL_SHARED";

    private SharedDir() {}

    /** The shared directory (absolute, normalised) if one of the candidates above holds the specification. */
    public static Optional<Path> find() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && isShared(Path.of(prop))) {
            return Optional.of(Path.of(prop).toAbsolutePath().normalize());
        }
        String env = System.getenv(ENVIRONMENT);
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

    /** A file or directory inside the shared directory, if the directory was found and the entry exists. */
    public static Optional<Path> file(String relative) {
        return find().map(d -> d.resolve(relative)).filter(Files::exists);
    }

    /**
     * A file or directory inside the shared directory for a test that cannot run without it: when it is absent the
     * calling test is skipped (a JUnit assumption failure) with {@link #MISSING_MESSAGE} and the missing entry.
     */
    public static Path require(String relative) {
        Optional<Path> p = file(relative);
        assumeTrue(p.isPresent(), () -> MISSING_MESSAGE + " (needs " + relative + ")");
        return p.get();
    }

    private static boolean isShared(Path p) {
        return Files.isRegularFile(p.resolve("spec/paper-spec.md"));
    }
}
