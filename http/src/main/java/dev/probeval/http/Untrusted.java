package dev.probeval.http;

/**
 * Request-derived text on its way into a log line or an error message: {@link #clip} keeps a short prefix and says how
 * long the whole was, so a client that sends a megabyte id gets neither a megabyte log line nor a megabyte error body.
 */
public final class Untrusted {
  /** Characters of a request-derived value kept in a log line or an error message. */
  public static final int MAX_CHARS = 200;

  private Untrusted() {}

  /** {@code value} cut to {@value #MAX_CHARS} characters; see {@link #clip(String, int)}. */
  public static String clip(String value) {
    return clip(value, MAX_CHARS);
  }

  /**
   * {@code value} unchanged when it has at most {@code max} characters, else its first {@code max} characters followed
   * by {@code "...(N chars)"} with N the full length. Control characters (newlines included) become {@code '_'} so a
   * value cannot forge log lines. Null stays {@code "null"}.
   */
  public static String clip(String value, int max) {
    if (value == null) {
      return "null";
    }
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, got " + max);
    }
    int end = Math.min(value.length(), max);
    if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    StringBuilder b = new StringBuilder(end + 24);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      b.append(Character.isISOControl(c) ? '_' : c);
    }
    if (end < value.length()) {
      b.append("...(").append(value.length()).append(" chars)");
    }
    return b.toString();
  }
}
