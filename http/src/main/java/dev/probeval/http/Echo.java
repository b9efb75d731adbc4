package dev.probeval.http;

/**
 * A client's value as an error message or log line may quote it: whole when short, else its first
 * {@value #MAX_CHARS} characters and its length, so no message is sized by the client.
 */
public final class Echo {
  /** The most characters of a client's value that a message quotes. */
  public static final int MAX_CHARS = 64;

  private Echo() {}

  /** {@code value} as text ("null" for null), cut to {@link #MAX_CHARS} characters plus its length when longer. */
  public static String of(Object value) {
    return of(value, MAX_CHARS);
  }

  /** {@code value} as text, cut to {@code maxChars} characters plus its length when longer. */
  public static String of(Object value, int maxChars) {
    String s = String.valueOf(value);
    if (s.length() <= maxChars) {
      return s;
    }
    int end = maxChars;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + "... (" + s.length() + " chars)";
  }
}
