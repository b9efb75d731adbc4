package dev.probeval.core.scoring;

import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * 1 if the reference, read as a Java regular expression, is found anywhere in the prediction ({@code find}, not a
 * full match), else 0. Use inline flags for options, e.g. {@code (?i)prix\s+goncourt}. Compiled patterns are kept in
 * a bounded cache.
 */
final class RegexScorer implements Scorer {

  private static final int MAX_CACHED_PATTERNS = 4096;

  private final ConcurrentHashMap<String, Pattern> patterns = new ConcurrentHashMap<>();

  @Override
  public double score(String prediction, String reference) {
    return pattern(reference).matcher(prediction).find() ? 1.0 : 0.0;
  }

  private Pattern pattern(String regex) {
    Pattern p = patterns.get(regex);
    if (p == null) {
      try {
        p = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "reference is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex()
                + " in " + regex, e);
      }
      if (patterns.size() >= MAX_CACHED_PATTERNS) {
        patterns.clear();
      }
      patterns.put(regex, p);
    }
    return p;
  }

  @Override
  public String toString() {
    return "regex";
  }
}
