package dev.probeval.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TextsTest {

  @Test
  void shortStringsAndNullAreKeptAsTheyAre() {
    String s = "model-v1";
    assertSame(s, Texts.clip(s, 100));
    assertEquals("x".repeat(30), Texts.clip("x".repeat(30), 30));
    assertNull(Texts.clip(null, 100));
    assertNull(Texts.clipLine(null, 100));
  }

  @Test
  void longStringsKeepAPrefixAndSayTheirFullLengthWithinTheLimit() {
    String big = "m".repeat(700_000);
    String c = Texts.clip(big, 200);
    assertEquals(200, c.length());
    assertTrue(c.startsWith("mmmm"), c);
    assertTrue(c.endsWith("…[700000 chars]"), c);
    assertEquals("abcdefghijklm…[31 chars]", Texts.clip("abcdefghijklmnopqrstuvwxyz01234", 24));
  }

  @Test
  void aSurrogatePairIsNeverSplit() {
    // 24 - "…[30 chars]".length() = 13 chars kept: the 13th is the high half of an emoji, so 12 are kept
    String s = "x".repeat(12) + "😀" + "y".repeat(16);
    String c = Texts.clip(s, 24);
    assertEquals("x".repeat(12) + "…[30 chars]", c);
  }

  @Test
  void clipLineReplacesLineBreaksAndReportsTheOriginalLength() {
    assertEquals("a b c", Texts.clipLine("a\nb\r\nc", 100));
    String c = Texts.clipLine("line\n".repeat(10_000), 40);
    assertTrue(c.endsWith("…[50000 chars]"), c);
    assertTrue(!c.contains("\n") && c.length() <= 40, c);
  }

  @Test
  void tooSmallALimitIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Texts.clip("abc", Texts.MIN_CLIP - 1));
    assertThrows(IllegalArgumentException.class, () -> Texts.clipLine("abc", 3));
  }
}
