package dev.probeval.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.app.ProbevalCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docker/Dockerfile} without a Docker engine: what it copies exists, the image's launcher starts the same main
 * class with the same JVM flags as {@code ./probeval}, the build is the launcher's build, the runtime user is not
 * root, and the health check is the script the image carries.
 */
class DockerfileTest {
    private static final Path ROOT = DockerDir.path().getParent();

    private static String read(String path) throws IOException {
        return Files.readString(ROOT.resolve(path));
    }

    /** The Dockerfile's instructions, continuation lines joined. */
    private static List<String> instructions() throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : read("docker/Dockerfile").split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            cur.append(line.strip());
            if (line.endsWith("\\")) {
                cur.setLength(cur.length() - 1);
                cur.append(' ');
            } else {
                out.add(cur.toString());
                cur.setLength(0);
            }
        }
        return out;
    }

    @Test
    void multiStageBuildOfTheLaunchersArtifacts() throws IOException {
        List<String> ins = instructions();
        assertTrue(ins.contains("FROM maven:3-eclipse-temurin-17 AS build"), ins.toString());
        assertTrue(ins.contains("FROM eclipse-temurin:17-jre"), ins.toString());
        String build = ins.stream()
                .filter(i -> i.startsWith("RUN --mount=type=cache"))
                .findFirst()
                .orElseThrow();
        assertTrue(build.contains("mvn -B") && build.contains("-DskipTests -pl app -am package"), build);
        assertTrue(read("probeval").contains("-DskipTests -pl app -am package"), "./probeval builds the same way");
        // The jars copied are the ones the launcher puts on its class path.
        assertTrue(
                build.contains("app/target/classpath.txt") && build.contains("app/target/probeval-app-*.jar"), build);
    }

    @Test
    void everyCopiedFileExistsAndIsNotIgnored() throws IOException {
        Pattern copy = Pattern.compile("^COPY (?:--chmod=\\S+ )?(\\S+) (\\S+)$");
        List<String> ignored = read(".dockerignore")
                .lines()
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .toList();
        int copied = 0;
        for (String i : instructions()) {
            Matcher m = copy.matcher(i);
            if (m.matches() && !m.group(1).equals(".")) {
                Path src = ROOT.resolve(m.group(1));
                assertTrue(Files.isRegularFile(src), i + ": " + src + " missing");
                assertTrue(Files.isExecutable(src), i + ": " + src + " not executable");
                assertFalse(
                        ignored.stream().anyMatch(p -> m.group(1).startsWith(p.replaceFirst("^/", ""))),
                        i + " copies a path .dockerignore excludes");
                copied++;
            }
        }
        assertEquals(2, copied, "the launcher and the health check");
    }

    @Test
    void runsAsANonRootUserWithTheProbevalEntrypointAndItsHealthCheck() throws IOException {
        List<String> ins = instructions();
        int runtime = ins.indexOf("FROM eclipse-temurin:17-jre");
        List<String> users = ins.subList(runtime, ins.size()).stream()
                .filter(i -> i.startsWith("USER "))
                .toList();
        assertEquals(1, users.size(), users.toString());
        assertFalse(users.get(0).matches("USER (root|0)(:.*)?"), users.get(0));
        assertTrue(ins.contains("ENTRYPOINT [\"probeval\"]"), ins.toString());
        assertTrue(
                ins.stream()
                        .anyMatch(i ->
                                i.startsWith("HEALTHCHECK ") && i.endsWith("CMD [\"/opt/probeval/bin/healthcheck\"]")),
                ins.toString());
        assertTrue(ins.contains("COPY --chmod=0755 docker/bin/healthcheck /opt/probeval/bin/healthcheck"));
        assertTrue(ins.contains("COPY --chmod=0755 docker/bin/probeval /usr/local/bin/probeval"));
    }

    @Test
    void theImagesLauncherStartsWhatTheRepositoryLauncherStarts() throws IOException {
        String image = read("docker/bin/probeval");
        String local = read("probeval");
        String main = ProbevalCli.class.getName();
        assertTrue(image.contains(main + " \"$@\"") && local.contains(main + " \"$@\""), "both run " + main);
        for (String flag : List.of(
                "-Dai.djl.offline=",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.probeval",
                "-Dprobeval.home=",
                "${PROBEVAL_JAVA_OPTS:-}",
                "DJL_CACHE_DIR",
                "ENGINE_CACHE_DIR")) {
            assertTrue(image.contains(flag) && local.contains(flag), flag);
        }
        assertTrue(image.contains("-cp '/opt/probeval/lib/*'"), "the jars the build stage copied");
        assertTrue(image.contains("exec java"), "java replaces the shell: it is PID 1 and gets SIGTERM");
    }
}
