package dev.probeval.worker;

import dev.probeval.worker.http.HttpEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model versions a worker serves, each mapped to a configured path. Only these paths are ever opened: a request
 * cannot make the worker read an arbitrary file, and an unknown version is a dead letter.
 *
 * <p>One entry reads {@code VERSION=PATH[,tokenizer=PATH]} — the form of the {@code --model} option and of each line
 * of a models file (blank lines and lines starting with {@code #} are skipped; relative paths resolve against the
 * file's directory) — or, for a model behind an OpenAI-compatible server, {@code VERSION=URL[,key=value]...} with
 * the {@link HttpEndpoint} options (only the URLs configured here are ever called). The version is everything before the first {@code =}, so it may contain {@code :} and
 * {@code /} but not {@code =}.
 */
public final class ModelCatalog {
    private final Map<String, ModelSpec> specs;

    private ModelCatalog(Map<String, ModelSpec> specs) {
        this.specs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specs));
    }

    /** A catalog of these specs; a version given twice is an error. */
    public static ModelCatalog of(Collection<ModelSpec> specs) {
        Map<String, ModelSpec> m = new LinkedHashMap<>();
        for (ModelSpec s : specs) {
            if (m.putIfAbsent(s.version(), s) != null) {
                throw new IllegalArgumentException("model version '" + s.version() + "' is configured twice");
            }
        }
        return new ModelCatalog(m);
    }

    /** Parses {@code --model} values ({@code VERSION=PATH[,tokenizer=PATH]}); relative paths stay as given. */
    public static ModelCatalog parse(List<String> entries) {
        return of(entries.stream().map(e -> parseEntry(e, null)).toList());
    }

    /**
     * Parses one entry {@code VERSION=PATH[,tokenizer=PATH]}; relative paths resolve against {@code baseDir} when it is
     * not null.
     *
     * @throws IllegalArgumentException naming what is wrong with the entry
     */
    public static ModelSpec parseEntry(String entry, Path baseDir) {
        String s = entry == null ? "" : entry.strip();
        int eq = s.indexOf('=');
        if (eq <= 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException("model entry '" + entry + "' must read VERSION=PATH[,tokenizer=PATH]");
        }
        String version = s.substring(0, eq).strip();
        String rest = s.substring(eq + 1);
        String lower = rest.strip().toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return parseEndpoint(entry, version, rest.strip());
        }
        String path = rest;
        String tokenizer = null;
        int comma = rest.lastIndexOf(",tokenizer=");
        if (comma >= 0) {
            path = rest.substring(0, comma);
            tokenizer = rest.substring(comma + ",tokenizer=".length()).strip();
            if (tokenizer.isEmpty()) {
                throw new IllegalArgumentException("model entry '" + entry + "' has an empty tokenizer path");
            }
        }
        path = path.strip();
        if (version.isEmpty() || path.isEmpty()) {
            throw new IllegalArgumentException("model entry '" + entry + "' must read VERSION=PATH[,tokenizer=PATH]");
        }
        return new ModelSpec(version, resolve(baseDir, path), tokenizer == null ? null : resolve(baseDir, tokenizer));
    }

    /** {@code VERSION=URL[,key=value]...}: an OpenAI-compatible endpoint (see {@link HttpEndpoint}). */
    private static ModelSpec parseEndpoint(String entry, String version, String rest) {
        if (version.isEmpty()) {
            throw new IllegalArgumentException("model entry '" + entry + "' must read VERSION=URL[,key=value]...");
        }
        String[] parts = rest.split(",");
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            int at = p.indexOf('=');
            if (at <= 0) {
                throw new IllegalArgumentException(
                        "model entry for " + version + ": endpoint option '" + p + "' must read key=value");
            }
            if (options.put(p.substring(0, at).strip(), p.substring(at + 1).strip()) != null) {
                throw new IllegalArgumentException("model entry for " + version + ": endpoint option '"
                        + p.substring(0, at).strip() + "' is given twice");
            }
        }
        try {
            return ModelSpec.http(version, HttpEndpoint.parse(version, parts[0], options));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model entry for " + version + ": " + e.getMessage(), e);
        }
    }

    /** Reads a models file: one {@code VERSION=PATH[,tokenizer=PATH]} per line, {@code #} comments. */
    public static List<ModelSpec> readFile(Path file) throws IOException {
        Path base = file.toAbsolutePath().getParent();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<ModelSpec> out = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(parseEntry(line, base));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Path resolve(Path baseDir, String p) {
        Path path = Path.of(p);
        return baseDir == null || path.isAbsolute()
                ? path
                : baseDir.resolve(path).normalize();
    }

    /** The spec of a configured version. */
    public Optional<ModelSpec> find(String version) {
        return Optional.ofNullable(specs.get(version));
    }

    /** Configured versions, in configuration order. */
    public List<String> versions() {
        return List.copyOf(specs.keySet());
    }

    public Collection<ModelSpec> specs() {
        return specs.values();
    }

    public boolean isEmpty() {
        return specs.isEmpty();
    }

    @Override
    public String toString() {
        return specs.values().toString();
    }
}
