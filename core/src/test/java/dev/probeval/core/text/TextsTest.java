package dev.probeval.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TextsTest {
    @Test
    void shortPrintableTextIsUnchangedAndNullStaysNull() {
        assertEquals("tofu_forget01 · ok", Texts.clip("tofu_forget01 · ok"));
        assertNull(Texts.clip(null));
        assertEquals("emoji 😀 kept", Texts.clip("emoji 😀 kept", 30));
    }

    @Test
    void controlFormatAndUnpairedSurrogateCharactersAreEscaped() {
        assertEquals("a\\u0000b\\u001b[31m\\u000ac\\u202ed\\ud800", Texts.clip("a\0b\u001b[31m\nc\u202ed\ud800"));
    }

    @Test
    void aLongValueKeepsAPrefixAndItsLengthWithinTheBound() {
        String huge = "x".repeat(700_000);
        String c = Texts.clip(huge, 64);
        assertTrue(c.length() <= 64, c);
        assertTrue(c.endsWith("…[700000 chars]") && c.startsWith("xxxx"), c);
        String escapes = "\0".repeat(1000);
        String e = Texts.clip(escapes, 64);
        assertTrue(e.length() <= 64 && e.endsWith("…[1000 chars]") && e.startsWith("\\u0000"), e);
        assertEquals(64, Texts.clip("x".repeat(64), 64).length(), "exactly the bound is kept whole");
        String pair = "a".repeat(39) + "😀" + "b".repeat(100);
        String p = Texts.clip(pair, 64);
        assertTrue(!Character.isHighSurrogate(p.charAt(p.indexOf('…') - 1)), "a surrogate pair is never split: " + p);
        assertThrows(IllegalArgumentException.class, () -> Texts.clip("x", 10));
    }

    @Test
    void findsTheFirstCharacterEachKindOfFieldMayNotHold() {
        assertEquals(-1, Texts.firstUnsafeChar("model-v1.2/ckpt:7 ü"));
        assertEquals(3, Texts.firstUnsafeChar("abc\u2028"));
        assertEquals(1, Texts.firstUnsafeChar("a\ufeff"));
        assertEquals(-1, Texts.firstControlCharInText("two\nlines\tand\r"));
        assertEquals(3, Texts.firstControlCharInText("two\0"));
        assertEquals(2, Texts.firstUnpairedSurrogate("ab\udc00"));
        assertEquals(-1, Texts.firstUnpairedSurrogate("a😀"));
    }
}
