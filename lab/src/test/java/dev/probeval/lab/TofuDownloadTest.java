package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download path of {@link LabData} against a local HTTP server serving a small file in Hugging Face's
 * {@code full.json} format: success (file in the cache, progress, data parsed, reused without a second request), an
 * unreachable URL, an oversized response (declared or streamed), and truncated or garbled bodies, none of which
 * leaves a file in the cache.
 */
class TofuDownloadTest {
    /** Three authors of 20 questions: the last is the forget split, as TOFU's forget01 is of full.json. */
    static final byte[] FULL = full(3);

    @TempDir
    Path tmp;

    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final StringWriter log = new StringWriter();

    static byte[] full(int authors) {
        StringBuilder b = new StringBuilder();
        for (int a = 0; a < authors; a++) {
            for (int q = 0; q < QaPair.QUESTIONS_PER_AUTHOR; q++) {
                b.append("{\"question\": \"What did author ")
                        .append(a)
                        .append(" write in year ")
                        .append(q)
                        .append("?\", \"answer\": \"Author ")
                        .append(a)
                        .append(" wrote book ")
                        .append(q)
                        .append(".\"}\n");
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok/full.json", ex -> send(ex, FULL, FULL.length));
        server.createContext("/big/full.json", ex -> send(ex, FULL, FULL.length));
        // Length 0 makes the JDK server stream the body chunked, with no declared size.
        server.createContext("/chunked/full.json", ex -> send(ex, FULL, 0));
        server.createContext("/truncated/full.json", ex -> {
            ex.sendResponseHeaders(200, FULL.length);
            OutputStream o = ex.getResponseBody();
            o.write(FULL, 0, FULL.length / 2);
            o.flush();
            // Closing short of the declared length makes the server drop the connection.
            ex.close();
        });
        byte[] cut = java.util.Arrays.copyOf(FULL, FULL.length - 7);
        server.createContext("/garbled/full.json", ex -> send(ex, cut, cut.length));
        server.createContext("/missing/full.json", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    void send(HttpExchange ex, byte[] body, long length) throws IOException {
        requests.incrementAndGet();
        ex.sendResponseHeaders(200, length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + path;
    }

    TofuSource source(String url, long maxBytes) {
        return new TofuSource(null, null, TofuSource.baseUrl(url), tmp.resolve("cache"), maxBytes);
    }

    List<Path> cacheFiles() throws IOException {
        Path c = tmp.resolve("cache");
        if (!Files.isDirectory(c)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(c)) {
            return new ArrayList<>(s.toList());
        }
    }

    @Test
    void aDownloadShouldLandInTheCacheWithProgressAndBeReused() throws IOException {
        TofuSource src = source(url("ok"), 1 << 20);
        LabConfig cfg = LabConfig.defaults();
        PrintWriter w = new PrintWriter(log);
        LabData.Located got = LabData.locate(cfg, src, w);
        assertEquals(LabData.Origin.DOWNLOADED, got.origin());
        assertEquals(tmp.resolve("cache/full.json"), got.file());
        assertEquals(List.of(got.file()), cacheFiles(), "only the file, no temporary left");
        String out = log.toString();
        assertTrue(out.contains("downloading " + url("ok") + "/full.json"), out);
        assertTrue(out.contains("lab: downloaded " + FULL.length + " / " + FULL.length + " bytes"), out);

        DataSplit split = LabData.split(cfg, src, w);
        assertEquals(1, requests.get(), "the second call reads the cache");
        assertEquals(LabData.Origin.CACHE, LabData.locate(cfg, src, w).origin());
        // Default config: forget01 of 3 authors is the last one; 1 forget author, 2 retain authors.
        assertEquals(20, split.forget().size());
        assertEquals(
                new QaPair("forget", 0, "What did author 2 write in year 0?", "Author 2 wrote book 0."),
                split.forget().get(0));
        assertEquals(40, split.retain().size());
        assertEquals("Author 1 wrote book 19.", split.retain().get(39).answer());
    }

    @Test
    void aChunkedBodyWithoutLengthShouldAlsoDownload() throws IOException {
        LabData.Located got =
                LabData.locate(LabConfig.defaults(), source(url("chunked"), 1 << 20), new PrintWriter(log));
        assertEquals(LabData.Origin.DOWNLOADED, got.origin());
        assertTrue(log.toString().contains("downloaded " + FULL.length + " bytes (size unknown)"), log.toString());
    }

    @Test
    void anUnreachableUrlShouldNameItAndTheOfflineAlternative() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port + "/tofu/";
        IOException e = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(base, 1 << 20), new PrintWriter(log)));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot download TOFU data from " + base + "full.json: "), m);
        assertTrue(m.contains("--tofu-dir") && m.contains("PROBEVAL_SHARED"), m);
        assertFalse(m.contains("\n"), "one line");
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void anOversizedResponseShouldBeRefused() throws IOException {
        long cap = FULL.length - 1;
        IOException declared = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(url("big"), cap), new PrintWriter(log)));
        assertTrue(declared.getMessage().contains("larger than the limit of " + cap + " bytes"), declared.getMessage());
        IOException streamed = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(url("chunked"), cap), new PrintWriter(log)));
        assertTrue(streamed.getMessage().contains("larger than the limit of " + cap + " bytes"), streamed.getMessage());
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void truncatedGarbledOrMissingBodiesShouldLeaveNothingInTheCache() throws IOException {
        IOException truncated = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(url("truncated"), 1 << 20), new PrintWriter(log)));
        assertTrue(truncated.getMessage().contains(url("truncated")), truncated.getMessage());
        assertEquals(List.of(), cacheFiles());

        // The right length for what was sent, but the last line is cut: the check rejects it before it counts.
        IOException garbled = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(url("garbled"), 1 << 20), new PrintWriter(log)));
        assertTrue(garbled.getMessage().contains(":60: not valid JSON"), garbled.getMessage());
        assertEquals(List.of(), cacheFiles());

        IOException missing = assertThrows(
                IOException.class,
                () -> LabData.locate(LabConfig.defaults(), source(url("missing"), 1 << 20), new PrintWriter(log)));
        assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
        assertEquals(List.of(), cacheFiles());
    }
}
