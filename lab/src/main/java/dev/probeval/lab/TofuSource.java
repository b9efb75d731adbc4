package dev.probeval.lab;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the lab looks for TOFU data, in this order (see {@link LabData#file}): a directory the user names
 * ({@code --tofu-dir} or {@code PROBEVAL_TOFU_DIR}), the {@code shared} directory beside a checkout (a local shortcut:
 * {@code probeval.shared}, {@code PROBEVAL_SHARED}, or {@code ../shared}), then the user cache
 * ({@code ~/.cache/probeval/data/tofu}), downloading TOFU's {@code full.json} into it from its public home, the
 * Hugging Face dataset {@code locuslab/TOFU} (MIT licence), or from {@code --tofu-url} / {@code PROBEVAL_TOFU_URL}.
 *
 * @param dir the directory the user named, or null
 * @param shared the shared directory (holding {@code data/tofu}), or null
 * @param baseUrl where {@link #FILE} is downloaded from (http or https, ends with {@code /})
 * @param cacheDir where the download is kept
 * @param maxBytes the largest download accepted
 */
public record TofuSource(Path dir, Path shared, URI baseUrl, Path cacheDir, long maxBytes) {
    /** Environment variable naming a directory with the data (the default of {@code --tofu-dir}). */
    public static final String ENV_DIR = "PROBEVAL_TOFU_DIR";
    /** Environment variable with the base URL to download from (the default of {@code --tofu-url}). */
    public static final String ENV_URL = "PROBEVAL_TOFU_URL";
    /** TOFU's public home: the files of the Hugging Face dataset {@code locuslab/TOFU}. */
    public static final String DEFAULT_URL = "https://huggingface.co/datasets/locuslab/TOFU/resolve/main/";
    /** The file downloaded: all 4000 question/answer pairs, 20 per fictitious author, one JSON object per line. */
    public static final String FILE = "full.json";

    public TofuSource {
        baseUrl = baseUrl(baseUrl.toString());
        cacheDir = cacheDir.toAbsolutePath().normalize();
        if (maxBytes < 1) {
            throw new IllegalArgumentException("download limit must be positive, got " + maxBytes);
        }
    }

    /** The defaults for this process: its environment, the shared directory if found, the user cache. */
    public static TofuSource defaults() {
        return fromEnvironment(System.getenv());
    }

    /** The defaults with the variables of {@code env} (a test passes a map). */
    public static TofuSource fromEnvironment(Map<String, String> env) {
        String dir = env.get(ENV_DIR);
        String url = env.get(ENV_URL);
        return new TofuSource(
                dir == null || dir.isBlank() ? null : Path.of(dir),
                findShared().orElse(null),
                baseUrl(url == null || url.isBlank() ? DEFAULT_URL : url),
                defaultCache(),
                TofuDownload.Limits.DEFAULT.maxBytes());
    }

    /** {@code ~/.cache/probeval/data/tofu}, beside the lab's model cache {@code ~/.cache/probeval/lab}. */
    public static Path defaultCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "probeval", "data", "tofu");
    }

    /** This source with the directory a user named; null keeps the current one. */
    public TofuSource withDir(Path d) {
        return d == null ? this : new TofuSource(d, shared, baseUrl, cacheDir, maxBytes);
    }

    /** This source downloading from {@code url}; null keeps the current one. */
    public TofuSource withBaseUrl(String url) {
        return url == null ? this : new TofuSource(dir, shared, baseUrl(url), cacheDir, maxBytes);
    }

    /** The URL of {@link #FILE}. */
    public URI fileUrl() {
        return baseUrl.resolve(FILE);
    }

    /**
     * An http(s) base URL ending with {@code /} (so that {@link #FILE} resolves beneath it); anything else is an
     * {@link IllegalArgumentException} naming the value.
     */
    static URI baseUrl(String s) {
        URI u;
        try {
            u = new URI(s.endsWith("/") ? s : s + "/");
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("TOFU URL '" + s + "' is not a URL: " + e.getReason());
        }
        String scheme = u.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || u.getHost() == null) {
            throw new IllegalArgumentException("TOFU URL '" + s + "' must be an http:// or https:// URL");
        }
        return u;
    }

    /** {@link SharedData#find()}, else a {@code shared} directory beside the launcher's {@code probeval.home}. */
    private static Optional<Path> findShared() {
        Optional<Path> shared = SharedData.find();
        String home = System.getProperty("probeval.home");
        if (shared.isEmpty() && home != null && Files.isDirectory(Path.of(home).resolveSibling("shared"))) {
            shared = Optional.of(Path.of(home).resolveSibling("shared"));
        }
        return shared;
    }
}
