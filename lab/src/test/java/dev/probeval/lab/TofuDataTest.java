package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TofuDataTest {
    static final String LINE = "{\"model\":\"m\",\"split\":\"%s\",\"idx\":%d,\"question\":\"[INST] %s [/INST]\","
            + "\"generated\":\"g\",\"reference\":\"%s\"}";

    static Path write(Path dir, String... lines) throws IOException {
        Path f = dir.resolve("tofu.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void loadShouldStripChatMarkupAndKeepOnlyForgetAndRetain(@TempDir Path dir) throws IOException {
        Path f = write(
                dir,
                String.format(LINE, "forget", 0, "Who is A?", "A is B."),
                String.format(LINE, "world_facts", 0, "Where?", "There."),
                String.format(LINE, "retain", 3, "Who is C?", "C is D."));
        List<QaPair> pairs = TofuData.load(f);
        assertEquals(2, pairs.size());
        assertEquals(new QaPair("forget", 0, "Who is A?", "A is B."), pairs.get(0));
        assertEquals("Question: Who is C?\nAnswer: ", pairs.get(1).prompt());
    }

    @Test
    void aMissingAnswerShouldNameTheFileAndTheLine(@TempDir Path dir) throws IOException {
        Path f = write(
                dir,
                String.format(LINE, "forget", 0, "Who is A?", "A is B."),
                "{\"split\":\"forget\",\"idx\":1,\"question\":\"Q?\"}");
        IOException e = assertThrows(IOException.class, () -> TofuData.load(f));
        assertEquals(f + ":2: missing field 'reference'", e.getMessage());
    }

    @Test
    void emptyAnswersBadJsonAndBadIdxShouldFailWithTheLine(@TempDir Path dir) throws IOException {
        Path empty = write(dir, String.format(LINE, "retain", 0, "Q?", "  "));
        assertTrue(assertThrows(IOException.class, () -> TofuData.load(empty))
                .getMessage()
                .endsWith(":1: field 'reference' is empty"));
        Path json = write(dir, "", "{not json");
        assertTrue(assertThrows(IOException.class, () -> TofuData.load(json))
                .getMessage()
                .contains(":2: not valid JSON"));
        Path idx = write(dir, "{\"split\":\"forget\",\"idx\":-1,\"question\":\"Q\",\"reference\":\"A\"}");
        assertTrue(assertThrows(IOException.class, () -> TofuData.load(idx))
                .getMessage()
                .endsWith(":1: field 'idx' must be a non-negative integer"));
    }

    @Test
    void selectionShouldTakeWholeAuthorsDeterministicallyAndHashTheContent() {
        List<QaPair> all = new java.util.ArrayList<>();
        for (int i = 59; i >= 0; i--) {
            all.add(new QaPair("forget", i, "q" + i, "a" + i));
            all.add(new QaPair("retain", i, "r" + i, "b" + i));
        }
        DataSplit s = DataSplit.select(all, 1, 2, 1000);
        assertEquals(20, s.forget().size());
        assertEquals(40, s.retain().size());
        assertEquals(0, s.forget().get(0).idx());
        assertEquals(39, s.retain().get(39).idx());
        assertEquals(s.hash(), DataSplit.select(all, 1, 2, 1000).hash());
        assertEquals(64, s.hash().length());
        assertNotEquals(s.hash(), DataSplit.select(all, 2, 2, 1000).hash());
        List<QaPair> changed = new java.util.ArrayList<>(all);
        changed.set(changed.size() - 2, new QaPair("forget", 0, "q0", "a0 changed"));
        assertNotEquals(s.hash(), DataSplit.select(changed, 1, 2, 1000).hash());
    }

    @Test
    void selectionShouldDropPairsLongerThanTheLimit() {
        List<QaPair> all = List.of(
                new QaPair("forget", 0, "short?", "yes"),
                new QaPair("forget", 1, "a much longer question?", "a much longer answer"),
                new QaPair("retain", 0, "r?", "b"));
        DataSplit s = DataSplit.select(all, 1, 1, DataSplit.length(all.get(0)));
        assertEquals(1, s.forget().size());
        assertThrows(IllegalArgumentException.class, () -> DataSplit.select(all, 1, 1, 5));
    }

    @Test
    void theRealRetain99FileShouldGiveTofuForget01Authors() throws IOException {
        Optional<Path> f = SharedDir.file("data/tofu/ft_epoch5_lr1e-05_llama2-7b_retain99_wd0.jsonl");
        assumeTrue(f.isPresent(), SharedDir.MISSING_MESSAGE);
        List<QaPair> pairs = TofuData.load(f.get());
        assertEquals(340, pairs.size());
        DataSplit s = DataSplit.select(pairs, 2, 15, 100_000);
        assertEquals(40, s.forget().size());
        assertEquals(300, s.retain().size());
        assertTrue(
                s.forget().get(6).answer().contains("Prix Goncourt"),
                s.forget().get(6).answer());
        assertFalse(s.forget().get(0).question().contains("[INST]"));
    }

    @Test
    void aHuggingFaceFullSetShouldBeCutAsTofusForgetAndRetainFiles(@TempDir Path dir) throws IOException {
        Path f = Files.write(dir.resolve("full.json"), TofuDownloadTest.full(10));
        // forget05 of 10 authors: 5 % is half an author, so at least one; forget10 is one too; a name without a
        // retainNN marker means forget10.
        List<QaPair> pairs = TofuData.load(f, 5);
        assertEquals(200, pairs.size());
        assertEquals(
                new QaPair("forget", 0, "What did author 9 write in year 0?", "Author 9 wrote book 0."), pairs.get(0));
        assertEquals(
                new QaPair("retain", 179, "What did author 8 write in year 19?", "Author 8 wrote book 19."),
                pairs.get(199));
        assertEquals(
                40,
                TofuData.load(f, 20).stream()
                        .filter(p -> p.split().equals("forget"))
                        .count());
        assertEquals(1, TofuData.forgetPercent("ft_epoch5_lr1e-05_llama2-7b_retain99_wd0.jsonl"));
        assertEquals(5, TofuData.forgetPercent("retain95.json"));
        assertEquals(10, TofuData.forgetPercent("ft_epoch5_lr1e-05_llama2-7b_full_wd0.jsonl"));
        assertEquals(10, TofuData.forgetPercent("full.json"));
    }

    @Test
    void aFullSetThatIsNotWholeAuthorsOrHasAnOverlongLineShouldFail(@TempDir Path dir) throws IOException {
        byte[] full = TofuDownloadTest.full(3);
        String text = new String(full, java.nio.charset.StandardCharsets.UTF_8);
        Path cut = Files.writeString(dir.resolve("cut.json"), text.substring(0, text.lastIndexOf('{')));
        assertTrue(assertThrows(IOException.class, () -> TofuData.load(cut))
                .getMessage()
                .contains("59 question/answer lines are not a whole number"));
        Path missing = Files.writeString(
                dir.resolve("missing.json"), "{\"question\":\"Q?\",\"answer\":\"A.\"}\n{\"question\":\"Q?\"}\n");
        assertEquals(
                missing + ":2: missing field 'answer'",
                assertThrows(IOException.class, () -> TofuData.load(missing)).getMessage());
        Path longLine = Files.writeString(
                dir.resolve("long.json"), "{\"question\":\"" + "x".repeat(TofuData.MAX_LINE_CHARS) + "\"}\n");
        assertEquals(
                longLine + ":1: line longer than " + TofuData.MAX_LINE_CHARS + " characters",
                assertThrows(IOException.class, () -> TofuData.load(longLine)).getMessage());
    }
}
