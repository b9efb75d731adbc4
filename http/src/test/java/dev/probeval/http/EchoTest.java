package dev.probeval.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EchoTest {
  @Test
  void shortValuesShouldBeQuotedWhole() {
    assertEquals("gpt-4", Echo.of("gpt-4"));
    assertEquals("null", Echo.of(null));
    assertEquals("x".repeat(Echo.MAX_CHARS), Echo.of("x".repeat(Echo.MAX_CHARS)));
  }

  @Test
  void longValuesShouldKeepAPrefixAndSayTheirLength() {
    assertEquals("x".repeat(Echo.MAX_CHARS) + "... (100000 chars)", Echo.of("x".repeat(100_000)));
    assertEquals("abc... (6 chars)", Echo.of("abcdef", 3));
    // A surrogate pair is not cut in half.
    assertEquals("ab... (6 chars)", Echo.of("ab😀cd", 3));
  }
}
