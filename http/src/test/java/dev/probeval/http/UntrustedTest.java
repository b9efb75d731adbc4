package dev.probeval.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Request-derived text clipped for logs and error messages. */
class UntrustedTest {

  @Test
  void shortValuesPassAndLongOnesKeepAPrefixAndTheirLength() {
    assertEquals("req-1", Untrusted.clip("req-1"));
    String big = "a".repeat(1_000_000);
    assertEquals("a".repeat(Untrusted.MAX_CHARS) + "...(1000000 chars)", Untrusted.clip(big));
    assertEquals("abc...(6 chars)", Untrusted.clip("abcdef", 3));
    assertEquals("null", Untrusted.clip(null));
  }

  @Test
  void lineBreaksCannotForgeLogLines() {
    assertEquals("id_INFO forged", Untrusted.clip("id\nINFO forged"));
  }
}
