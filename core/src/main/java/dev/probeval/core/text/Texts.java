package dev.probeval.core.text;

/**
 * Bounds request-derived strings before they reach a record, an error message or a log line. A request's fields are
 * only as small as the contract makes them; whatever writes one of them somewhere with a size limit (a Kafka record,
 * a log file) clips it here, so one oversized field cannot make a record unproducible or flood a log.
 */
public final class Texts {
  /** Marker between the kept prefix and the original length: {@code "<prefix>…[123456 chars]"}. */
  static final String ELLIPSIS = "…";

  /** Smallest {@code max} accepted: room for a marker with any int length. */
  public static final int MIN_CLIP = 24;

  private Texts() {}

  /**
   * {@code s} if it has at most {@code max} chars, else a prefix of it followed by {@code …[N chars]} (N the full
   * length), at most {@code max} chars in all. A surrogate pair is never split. Null stays null.
   *
   * @throws IllegalArgumentException if {@code max < }{@value #MIN_CLIP}
   */
  public static String clip(String s, int max) {
    if (max < MIN_CLIP) {
      throw new IllegalArgumentException("clip length must be >= " + MIN_CLIP + ", got " + max);
    }
    if (s == null || s.length() <= max) {
      return s;
    }
    return prefix(s, s.length(), max);
  }

  /**
   * {@link #clip} after replacing each line break with a space: for values embedded in one-line messages and log
   * lines. Only the kept prefix is scanned, so clipping a huge string costs no more than its prefix.
   */
  public static String clipLine(String s, int max) {
    if (max < MIN_CLIP) {
      throw new IllegalArgumentException("clip length must be >= " + MIN_CLIP + ", got " + max);
    }
    if (s == null) {
      return null;
    }
    String head = (s.length() > max ? s.substring(0, max) : s).replaceAll("\\R", " ");
    return s.length() <= max ? head : prefix(head, s.length(), max);
  }

  /** The first chars of {@code s} and the marker naming {@code fullLength}, at most {@code max} chars. */
  private static String prefix(String s, int fullLength, int max) {
    String marker = ELLIPSIS + "[" + fullLength + " chars]";
    int keep = Math.min(max - marker.length(), s.length());
    if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
      keep--;
    }
    return s.substring(0, keep) + marker;
  }
}
