package dev.probeval.core.scoring;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A thread-safe, bounded memo of {@link PorterStemmer#stem(String)}: ROUGE scoring stems the same few thousand words
 * over and over, so after warm-up a stem costs one hash lookup.
 *
 * <p>Two generations bound the memory without per-entry bookkeeping: new entries go into the young map; when it
 * holds {@code generationCapacity} entries it becomes the old map and the previous old map is dropped. A word found
 * only in the old map is copied into the young one, so words in steady use survive rotations. At most about twice
 * {@code generationCapacity} entries are held. Races can at worst stem a word twice; stemming is pure, so results
 * never differ.
 */
public final class StemCache {

  /** Entries per generation of the {@link #shared()} cache: ample for an answer-length vocabulary. */
  public static final int DEFAULT_GENERATION_CAPACITY = 1 << 16;

  private static final StemCache SHARED = new StemCache(DEFAULT_GENERATION_CAPACITY);

  private final int generationCapacity;
  private volatile ConcurrentHashMap<String, String> young;
  private volatile ConcurrentHashMap<String, String> old;

  /** A cache holding at most about {@code 2 * generationCapacity} words. */
  public StemCache(int generationCapacity) {
    if (generationCapacity < 1) {
      throw new IllegalArgumentException("generationCapacity must be positive: " + generationCapacity);
    }
    this.generationCapacity = generationCapacity;
    this.young = new ConcurrentHashMap<>();
    this.old = new ConcurrentHashMap<>();
  }

  /** The process-wide cache that scorers use unless given another. */
  public static StemCache shared() {
    return SHARED;
  }

  /** The NLTK-mode Porter stem of {@code word}. */
  public String stem(String word) {
    ConcurrentHashMap<String, String> y = young;
    String stem = y.get(word);
    if (stem != null) {
      return stem;
    }
    stem = old.get(word);
    if (stem == null) {
      stem = PorterStemmer.stem(word);
    }
    if (y.size() >= generationCapacity) {
      y = rotate(y);
    }
    y.put(word, stem);
    return stem;
  }

  /** Number of words held now (both generations; a word may be counted twice). */
  public int size() {
    return young.size() + old.size();
  }

  private synchronized ConcurrentHashMap<String, String> rotate(ConcurrentHashMap<String, String> full) {
    if (young == full) {
      old = full;
      young = new ConcurrentHashMap<>();
    }
    return young;
  }
}
