package dev.probeval.lab;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the lab's TOFU data and selects TOFU-mini from it. The configured file ({@code data.file}) is used as it is
 * when absolute; otherwise the first of these that holds data wins (see {@link TofuSource}):
 *
 * <ol>
 *   <li>the directory the user named: the configured file under it, its bare name in it, or {@code full.json};
 *   <li>the shared directory beside a checkout: the configured file under it;
 *   <li>{@code full.json} in the user cache, downloaded there from the base URL when missing.
 * </ol>
 *
 * A TOFU evaluation log and Hugging Face's {@code full.json} give the same questions and answers with the same split
 * and index (see {@link TofuData}), so the selection, and its hash, is the same whichever was found.
 */
public final class LabData {
    private LabData() {}

    /** Where the data was found. */
    public enum Origin {
        /** The configured file, an absolute path. */
        CONFIGURED,
        /** The directory the user named. */
        DIRECTORY,
        /** The shared directory beside a checkout. */
        SHARED,
        /** The user cache, already there. */
        CACHE,
        /** The user cache, downloaded now. */
        DOWNLOADED
    }

    /**
     * A data file and where it came from.
     *
     * @param file the file
     * @param origin which rule found it
     */
    public record Located(Path file, Origin origin) {}

    /** The TOFU file of {@code cfg} from this process's default {@link TofuSource}, progress on stderr. */
    public static Path file(LabConfig cfg) throws IOException {
        return locate(cfg, TofuSource.defaults(), stderr()).file();
    }

    /**
     * The TOFU file of {@code cfg} from {@code source}, downloading it (progress on {@code log}) when no local copy
     * exists; every error is one line that names where it looked or what it fetched, and how to work offline.
     */
    public static Located locate(LabConfig cfg, TofuSource source, PrintWriter log) throws IOException {
        Path configured = Path.of(cfg.data().file());
        if (configured.isAbsolute()) {
            if (!Files.isRegularFile(configured)) {
                throw new NoSuchFileException(configured.toString(), null, "TOFU data file not found");
            }
            return new Located(configured, Origin.CONFIGURED);
        }
        if (source.dir() != null) {
            Path d = source.dir();
            for (Path f :
                    new Path[] {d.resolve(configured), d.resolve(configured.getFileName()), d.resolve(TofuSource.FILE)
                    }) {
                if (Files.isRegularFile(f)) {
                    return new Located(f, Origin.DIRECTORY);
                }
            }
            throw new NoSuchFileException(
                    d.toString(),
                    null,
                    "TOFU data directory (--tofu-dir or " + TofuSource.ENV_DIR + ") holds neither "
                            + configured.getFileName() + " nor " + TofuSource.FILE);
        }
        if (source.shared() != null && Files.isRegularFile(source.shared().resolve(configured))) {
            return new Located(source.shared().resolve(configured), Origin.SHARED);
        }
        Path cached = source.cacheDir().resolve(TofuSource.FILE);
        if (Files.isRegularFile(cached)) {
            return new Located(cached, Origin.CACHE);
        }
        download(source, cached, TofuData.forgetPercent(configured.getFileName().toString()), log);
        return new Located(cached, Origin.DOWNLOADED);
    }

    /** TOFU-mini as configured, from this process's default {@link TofuSource}. */
    public static DataSplit split(LabConfig cfg) throws IOException {
        return split(cfg, TofuSource.defaults(), stderr());
    }

    /** TOFU-mini as configured, from {@code source}. */
    public static DataSplit split(LabConfig cfg, TofuSource source, PrintWriter log) throws IOException {
        LabConfig.Data d = cfg.data();
        Path file = locate(cfg, source, log).file();
        return DataSplit.select(load(cfg, file), d.forgetAuthors(), d.retainAuthors(), d.maxChars());
    }

    /** The pairs of {@code file}, a full set cut into the forget split that the configured file name implies. */
    static List<QaPair> load(LabConfig cfg, Path file) throws IOException {
        return TofuData.load(file, forgetPercent(cfg));
    }

    private static int forgetPercent(LabConfig cfg) {
        return TofuData.forgetPercent(Path.of(cfg.data().file()).getFileName().toString());
    }

    private static void download(TofuSource source, Path target, int forgetPercent, PrintWriter log)
            throws IOException {
        log.println("lab: no local TOFU data; downloading " + source.fileUrl() + " into " + target);
        log.flush();
        TofuDownload.Limits limits = new TofuDownload.Limits(
                source.maxBytes(),
                TofuDownload.Limits.DEFAULT.connectTimeout(),
                TofuDownload.Limits.DEFAULT.readTimeout());
        try {
            TofuDownload.fetch(source.fileUrl(), target, limits, f -> TofuData.load(f, forgetPercent), log);
        } catch (IOException e) {
            throw new IOException(
                    "cannot download TOFU data from " + source.fileUrl() + ": " + describe(e)
                            + "; to work offline, pass --tofu-dir DIR (or set " + TofuSource.ENV_DIR
                            + ") for a directory"
                            + " holding " + TofuSource.FILE + " from huggingface.co/datasets/locuslab/TOFU, or set"
                            + " PROBEVAL_SHARED to a directory holding data/tofu",
                    e);
        }
    }

    /** An exception in a few words: the JDK's network exceptions carry only a host name or nothing. */
    private static String describe(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + m + " (no network?)";
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.SocketTimeoutException) {
            return kind + (m == null ? "" : " (" + m + ")");
        }
        return m == null ? kind : m;
    }

    private static PrintWriter stderr() {
        return new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    }
}
