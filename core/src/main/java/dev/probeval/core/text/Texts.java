package dev.probeval.core.text;

/**
 * Bounded renderings of untrusted strings. Every log line, error message and reason that quotes a client's value goes
 * through {@link #clip}, so no line is sized by what a client sent and no raw control character (a NUL, an ANSI escape,
 * a newline that forges a log line) reaches a log or a terminal.
 */
public final class Texts {
  /** Default number of characters of a quoted value kept by {@link #clip(String)}. */
  public static final int DEFAULT_CLIP_CHARS = 64;

  private Texts() {}

  /** {@link #clip(String, int)} with {@link #DEFAULT_CLIP_CHARS}. */
  public static String clip(String s) {
    return clip(s, DEFAULT_CLIP_CHARS);
  }

  /**
   * {@code s} with control characters, unpaired surrogates and Unicode format characters (bidi overrides, zero-width
   * characters) written as a backslash, u and four hex digits, cut after {@code maxChars} characters of the original
   * with a note of its full length: {@code "abc…(700000 chars)"}. Null is {@code "null"}. Linear in {@code min(s.length(), maxChars)}.
   *
   * @throws IllegalArgumentException if {@code maxChars < 1}
   */
  public static String clip(String s, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
    }
    if (s == null) {
      return "null";
    }
    int keep = Math.min(s.length(), maxChars);
    StringBuilder out = new StringBuilder(keep + 24);
    for (int i = 0; i < keep; i++) {
      char c = s.charAt(i);
      if (isUnsafe(s, i)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (keep < s.length()) {
      out.append("…(").append(s.length()).append(" chars)");
    }
    return out.toString();
  }

  /**
   * The index of the first character of {@code s} that is a control character (C0, DEL, C1), a Unicode format
   * character (category Cf: bidi controls, zero-width characters, the byte-order mark), a line or paragraph separator,
   * or half of an unpaired surrogate; -1 when there is none.
   */
  public static int firstUnsafeChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (isUnsafe(s, i)) {
        return i;
      }
    }
    return -1;
  }

  /** The index of the first unpaired surrogate in {@code s} (text that cannot be encoded as UTF-8), -1 if none. */
  public static int firstUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (unpairedSurrogateAt(s, i)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The index of the first control character other than tab, line feed and carriage return, or of an unpaired
   * surrogate: what free text (an attribute value) may not contain. -1 if none.
   */
  public static int firstControlCharInText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') || unpairedSurrogateAt(s, i)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isUnsafe(String s, int i) {
    char c = s.charAt(i);
    if (Character.isISOControl(c) || unpairedSurrogateAt(s, i)) {
      return true;
    }
    int type = Character.getType(c);
    return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }

  private static boolean unpairedSurrogateAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
