package dev.probeval.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Downloads one data file over HTTP(S) into a cache, treating the server as untrusted: connect and read timeouts, a
 * cap on the size (a declared length above it is refused before reading, a body that grows past it is cut off), a
 * body shorter than its declared length refused, and the content checked before it counts. The file is written to a
 * temporary name beside the target and moved into place only when complete and checked, so the cache never holds a
 * partial file. Progress goes to a log as {@code bytes so far / total} lines.
 */
final class TofuDownload {
    /** Checks a downloaded file before it is moved into place; throws to reject it. */
    @FunctionalInterface
    interface Check {
        void accept(Path file) throws IOException;
    }

    /**
     * Bounds of one download.
     *
     * @param maxBytes the largest response accepted
     * @param connectTimeout how long to wait for the connection
     * @param readTimeout how long to wait for each read (a stalled server)
     */
    record Limits(long maxBytes, Duration connectTimeout, Duration readTimeout) {
        /** 64 MiB (TOFU's full.json is a few MB), 15 s to connect, 60 s per read. */
        static final Limits DEFAULT = new Limits(64L << 20, Duration.ofSeconds(15), Duration.ofSeconds(60));

        Limits {
            if (maxBytes < 1
                    || connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || readTimeout.isNegative()
                    || readTimeout.isZero()) {
                throw new IllegalArgumentException("download limits must be positive");
            }
        }
    }

    private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    private TofuDownload() {}

    /**
     * Fetches {@code url} into {@code target} (its directory is created); on any failure {@code target} is untouched
     * and no temporary file is left. Errors say what went wrong, without the URL (the caller names it).
     */
    static void fetch(URI url, Path target, Limits limits, Check check, PrintWriter log) throws IOException {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new IOException("only http and https URLs are supported");
        }
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName() + ".", ".part");
        boolean done = false;
        try {
            URLConnection uc = url.toURL().openConnection();
            if (!(uc instanceof HttpURLConnection c)) {
                throw new IOException("not an HTTP URL");
            }
            c.setConnectTimeout(Math.toIntExact(
                    Math.min(Integer.MAX_VALUE, limits.connectTimeout().toMillis())));
            c.setReadTimeout(Math.toIntExact(
                    Math.min(Integer.MAX_VALUE, limits.readTimeout().toMillis())));
            // Hugging Face answers with a redirect to its file store; both are https.
            c.setInstanceFollowRedirects(true);
            c.setRequestProperty("Accept-Encoding", "identity");
            c.setRequestProperty("User-Agent", "probeval");
            try {
                int code = c.getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    throw new IOException(
                            "HTTP " + code + (c.getResponseMessage() == null ? "" : " " + c.getResponseMessage()));
                }
                long total = c.getContentLengthLong();
                if (total > limits.maxBytes()) {
                    throw new IOException("response of " + total + " bytes is larger than the limit of "
                            + limits.maxBytes() + " bytes");
                }
                long got = copy(c.getInputStream(), tmp, total, limits.maxBytes(), log);
                if (total >= 0 && got != total) {
                    throw new IOException("truncated response: " + got + " of " + total + " bytes");
                }
            } finally {
                c.disconnect();
            }
            check.accept(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static long copy(InputStream body, Path out, long total, long max, PrintWriter log) throws IOException {
        String of = total >= 0 ? " / " + total + " bytes" : " bytes (size unknown)";
        long got = 0;
        long last = System.nanoTime();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = body;
                OutputStream o = Files.newOutputStream(out)) {
            log.println("lab: downloading 0" + of);
            log.flush();
            for (int n; (n = in.read(buf)) > 0; ) {
                got += n;
                if (got > max) {
                    throw new IOException("response is larger than the limit of " + max + " bytes");
                }
                o.write(buf, 0, n);
                if (System.nanoTime() - last >= PROGRESS_EVERY_NANOS) {
                    last = System.nanoTime();
                    log.println("lab: downloading " + got + of);
                    log.flush();
                }
            }
        }
        log.println("lab: downloaded " + got + of);
        log.flush();
        return got;
    }
}
