package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order in which {@link LabData} looks for TOFU data, and {@link TofuSource}'s settings. */
class LabDataTest {
    // Nothing listens on port 9 (discard) of a documentation address: a test that reached the download would fail.
    static final String NO_DOWNLOAD = "http://192.0.2.1:9/";

    @TempDir
    Path tmp;

    final PrintWriter log = new PrintWriter(new StringWriter());

    Path put(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, content);
    }

    @Test
    void theNamedDirectoryThenSharedThenTheCacheShouldWin() throws IOException {
        LabConfig cfg = LabConfig.defaults();
        String rel = cfg.data().file();
        Path dir = put(tmp.resolve("mine/full.json"), TofuDownloadTest.FULL).getParent();
        Path shared = tmp.resolve("shared");
        put(shared.resolve(rel), TofuDownloadTest.FULL);
        Path cache = put(tmp.resolve("cache/full.json"), TofuDownloadTest.FULL).getParent();

        TofuSource all = new TofuSource(dir, shared, TofuSource.baseUrl(NO_DOWNLOAD), cache, 1000);
        assertEquals(
                new LabData.Located(dir.resolve("full.json"), LabData.Origin.DIRECTORY), LabData.locate(cfg, all, log));
        TofuSource noDir = new TofuSource(null, shared, all.baseUrl(), cache, 1000);
        assertEquals(new LabData.Located(shared.resolve(rel), LabData.Origin.SHARED), LabData.locate(cfg, noDir, log));
        TofuSource cacheOnly = new TofuSource(null, null, all.baseUrl(), cache, 1000);
        assertEquals(
                new LabData.Located(cache.resolve("full.json"), LabData.Origin.CACHE),
                LabData.locate(cfg, cacheOnly, log));
        // A shared directory without the configured file does not stop the search.
        TofuSource emptyShared = new TofuSource(null, tmp.resolve("cache"), all.baseUrl(), cache, 1000);
        assertEquals(LabData.Origin.CACHE, LabData.locate(cfg, emptyShared, log).origin());
    }

    @Test
    void aNamedDirectoryMayHoldTheLogByNameOrBePointedAtTheSharedRoot() throws IOException {
        LabConfig cfg = LabConfig.defaults();
        Path name = Path.of(cfg.data().file()).getFileName();
        Path flat =
                put(tmp.resolve("flat").resolve(name), TofuDownloadTest.FULL).getParent();
        Path cache = tmp.resolve("cache");
        TofuSource s = new TofuSource(flat, null, TofuSource.baseUrl(NO_DOWNLOAD), cache, 1000);
        assertEquals(flat.resolve(name), LabData.locate(cfg, s, log).file());
        Path root = tmp.resolve("root");
        put(root.resolve(cfg.data().file()), TofuDownloadTest.FULL);
        assertEquals(
                root.resolve(cfg.data().file()),
                LabData.locate(cfg, s.withDir(root), log).file());
    }

    @Test
    void aNamedDirectoryWithoutDataShouldFailNamingIt() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path cache = put(tmp.resolve("cache/full.json"), TofuDownloadTest.FULL).getParent();
        TofuSource s = new TofuSource(empty, null, TofuSource.baseUrl(NO_DOWNLOAD), cache, 1000);
        NoSuchFileException e =
                assertThrows(NoSuchFileException.class, () -> LabData.locate(LabConfig.defaults(), s, log));
        assertTrue(e.getMessage().startsWith(empty.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("nor full.json"), e.getMessage());
    }

    @Test
    void anAbsoluteConfiguredFileShouldBeUsedAsItIs() throws IOException {
        Path f = put(tmp.resolve("x/my.jsonl"), TofuDownloadTest.FULL);
        Path c = tmp.resolve("lab.json");
        Files.writeString(c, "{\"data\":{\"file\":\"" + f.toString().replace("\\", "\\\\") + "\"}}");
        LabConfig cfg = LabConfig.load(c);
        TofuSource s = new TofuSource(tmp, null, TofuSource.baseUrl(NO_DOWNLOAD), tmp.resolve("cache"), 1000);
        assertEquals(new LabData.Located(f, LabData.Origin.CONFIGURED), LabData.locate(cfg, s, log));
    }

    @Test
    void theEnvironmentShouldSetTheDirectoryAndTheUrl() {
        TofuSource d = TofuSource.fromEnvironment(Map.of());
        assertEquals(null, d.dir());
        assertEquals(TofuSource.DEFAULT_URL + "full.json", d.fileUrl().toString());
        assertEquals(TofuSource.defaultCache(), d.cacheDir());
        assertTrue(
                d.cacheDir().endsWith(Path.of(".cache", "probeval", "data", "tofu")),
                d.cacheDir().toString());
        TofuSource e = TofuSource.fromEnvironment(
                Map.of(TofuSource.ENV_DIR, "/data/tofu", TofuSource.ENV_URL, "http://mirror.example/tofu"));
        assertEquals(Path.of("/data/tofu"), e.dir());
        assertEquals("http://mirror.example/tofu/full.json", e.fileUrl().toString());
        assertEquals(
                "https://m.example/x/full.json",
                e.withBaseUrl("https://m.example/x/").fileUrl().toString());
        assertEquals(e, e.withBaseUrl(null).withDir(null));
        for (String bad : new String[] {"ftp://x/", "file:///tmp/", "not a url", "http:///nohost"}) {
            assertThrows(IllegalArgumentException.class, () -> e.withBaseUrl(bad), bad);
        }
    }

    @Test
    void theSharedLogShouldStillGiveTheSelectionOfCachedLabs() throws IOException {
        Path shared = SharedDir.require("data/tofu").getParent().getParent();
        // The selection labs were cached with before the defaults grew to 2 forget and 10 retain authors.
        Path old = tmp.resolve("old-selection.json");
        java.nio.file.Files.writeString(
                old,
                "{\"data\":{\"forgetAuthors\":1,\"retainAuthors\":2,\"maxChars\":249},"
                        + "\"model\":{\"contextLength\":250}}");
        LabConfig cfg = LabConfig.load(old);
        TofuSource s = new TofuSource(null, shared, TofuSource.baseUrl(NO_DOWNLOAD), tmp.resolve("cache"), 1000);
        assertEquals(LabData.Origin.SHARED, LabData.locate(cfg, s, log).origin());
        DataSplit split = LabData.split(cfg, s, log);
        assertEquals(8, split.forget().size());
        assertEquals(22, split.retain().size());
        assertEquals(DEFAULT_SPLIT_HASH, split.hash());
    }

    /** The old default TOFU-mini's hash from the shared retain99 log, as the lab computed it before full.json. */
    static final String DEFAULT_SPLIT_HASH = "8139518b20c52732eaffb7e1b86846cb056d0a7414bf0972f90938d0dbbb8740";
}
