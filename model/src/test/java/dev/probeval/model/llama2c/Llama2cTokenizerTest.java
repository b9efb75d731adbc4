package dev.probeval.model.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.model.Stories260K;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    static Llama2cTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        tok = Llama2cTokenizer.read(Stories260K.tokenizer(), 512);
    }

    @Test
    void shouldReadSpecialAndByteTokens() {
        assertEquals("<unk>", tok.piece(0));
        assertEquals("\n<s>\n", tok.piece(1));
        assertEquals("\n</s>\n", tok.piece(2));
        assertEquals("<0x41>", tok.piece(3 + 0x41));
        assertEquals(" t", tok.piece(259));
        assertEquals(7, tok.maxTokenLength());
    }

    @Test
    void shouldPrefixBosAndTheDummySpaceThenMergeByScore() {
        int[] ids = tok.encode("the", true, false);
        // " the" is a piece (id 265): BOS, then the dummy space merged with "the".
        assertArrayEquals(new int[] {1, 265}, ids);
        assertArrayEquals(new int[] {1, 265, 2}, tok.encode("the", true, true));
        assertArrayEquals(new int[] {1}, tok.encode("", true, false));
        assertArrayEquals(new int[0], tok.encode("", false, false));
    }

    @Test
    void mergesShouldPreferTheHigherScoredPair() {
        assertArrayEquals(new int[] {261}, tok.encode("a", false, false));
        // " ", a, n, d: " a" (score -2) merges before "nd" (-5), and the chain ends in the piece " and" (id 269).
        assertArrayEquals(new int[] {269}, tok.encode("and", false, false));
        // Every id produced is a piece whose concatenation is the input with the dummy space.
        int[] ids = tok.encode("Tim and his dog", false, false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(tok.piece(id));
        }
        assertEquals(" Tim and his dog", sb.toString());
        assertTrue(ids.length < " Tim and his dog".length(), "merges must shorten the sequence");
    }

    @Test
    void unknownCodePointsShouldFallBackToTheirUtf8Bytes() {
        int[] ids = tok.encode("😀", false, false);
        // dummy space, then the four bytes F0 9F 98 80 as <0xHH> tokens (byte + 3)
        assertArrayEquals(new int[] {410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, ids);
        assertEquals("😀", tok.decode(Arrays.copyOfRange(ids, 1, ids.length), 410));
    }

    @Test
    void decodeShouldDropTheLeadingSpaceOnlyAfterBos() {
        assertEquals("the", tok.decode(new int[] {265}, Llama2cTokenizer.BOS));
        assertEquals(" the", tok.decode(new int[] {265}, 300));
        assertEquals(" the", tok.decode(new int[] {265}, -1));
    }

    @Test
    void textShouldRoundTripThroughEncodeAndDecode() {
        for (String s : new String[] {
            "Tim and his dog",
            "Once upon a time, there was a girl.\nShe said: \"hi!\"",
            "  two leading spaces",
            "tabs\tand ünïcödé — ñ, 中文, 😀🎉",
            "x",
            "Ω"
        }) {
            int[] ids = tok.encode(s, true, false);
            assertEquals(1, ids[0]);
            assertEquals(s, tok.decode(Arrays.copyOfRange(ids, 1, ids.length), Llama2cTokenizer.BOS), s);
        }
    }

    @Test
    void badFilesShouldBeReportedByName(@TempDir Path dir) throws IOException {
        assertThrows(NoSuchFileException.class, () -> Llama2cTokenizer.read(dir.resolve("missing.bin"), 512));
        Path truncated = dir.resolve("short.bin");
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(Stories260K.tokenizer()), 100));
        IOException e = assertThrows(IOException.class, () -> Llama2cTokenizer.read(truncated, 512));
        assertTrue(e.getMessage().contains("short.bin"), e.getMessage());
        Path notModel = dir.resolve("bad.bin");
        Files.write(notModel, new byte[64]);
        IOException e2 = assertThrows(IOException.class, () -> Llama2cCheckpoint.read(notModel));
        assertTrue(e2.getMessage().contains("bad.bin"), e2.getMessage());
    }
}
