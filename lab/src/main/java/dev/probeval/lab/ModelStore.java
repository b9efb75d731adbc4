package dev.probeval.lab;

import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the lab keeps its model versions: one small-GPT directory per version under a root outside the repository,
 * by default {@code ~/.cache/probeval/lab} (overridden by {@code --cache-dir} or the environment variable
 * {@code PROBEVAL_LAB_CACHE}). Re-runs reuse what is there; {@code --force} retrains.
 */
public final class ModelStore {
    /** Environment variable that overrides the default root. */
    public static final String ENV = "PROBEVAL_LAB_CACHE";

    private static final Pattern VERSION = Pattern.compile("[a-z0-9][a-z0-9+._-]*");

    /** Manifests are a few KiB (per-step curves included); anything far larger is not one. */
    private static final long MAX_MANIFEST_BYTES = 16L << 20;

    private final Path root;

    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The default root: {@code $PROBEVAL_LAB_CACHE}, else {@code ~/.cache/probeval/lab}. */
    public static Path defaultRoot() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "probeval", "lab");
    }

    public Path root() {
        return root;
    }

    /** The directory of a version (need not exist); names are lower-case letters, digits and {@code + . _ -}. */
    public Path dir(String version) {
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("bad model version name '" + version + "'");
        }
        return root.resolve(version);
    }

    public boolean exists(String version) {
        return GptModel.isModelDirectory(dir(version));
    }

    /**
     * The lab's record of a version (method, step, greedy scores, ...: the {@code lab} object of its manifest's
     * provenance), or an empty map when the version has none.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> labManifest(String version) throws IOException {
        Path file = dir(version).resolve(GptModel.MANIFEST);
        if (Files.size(file) > MAX_MANIFEST_BYTES) {
            throw new IOException(file + ": larger than " + MAX_MANIFEST_BYTES + " bytes, not a lab manifest");
        }
        Map<String, Object> m = LabConfig.JSON.readValue(file.toFile(), Map.class);
        return m.get("provenance") instanceof Map<?, ?> p && p.get("lab") instanceof Map<?, ?> lab
                ? (Map<String, Object>) lab
                : Map.of();
    }

    /** Versions present, sorted by name. */
    public List<String> versions() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            s.filter(GptModel::isModelDirectory)
                    .forEach(p -> out.add(p.getFileName().toString()));
        }
        out.sort(null);
        return out;
    }

    /**
     * Resolves {@code VERSION_OR_DIR}: an existing small-GPT directory as given, else a version in this store.
     *
     * @throws IOException naming both places looked at when neither holds a model
     */
    public Path resolve(String versionOrDir) throws IOException {
        Path asDir = Path.of(versionOrDir);
        if (GptModel.isModelDirectory(asDir)) {
            return asDir;
        }
        if (VERSION.matcher(versionOrDir).matches() && exists(versionOrDir)) {
            return dir(versionOrDir);
        }
        throw new java.nio.file.NoSuchFileException(
                versionOrDir,
                null,
                "neither a small-GPT model directory nor a version in " + root + " (run `probeval lab run` first)");
    }
}
