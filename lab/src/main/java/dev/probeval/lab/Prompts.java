package dev.probeval.lab;

/**
 * The lab's prompt format, {@code "Question: " + q + "\nAnswer: "} (TOFU's Phi tags, paper-spec §2.1), and the
 * removal of the Llama-2 chat markup the TOFU logs carry ({@code [INST] … [/INST]}).
 */
public final class Prompts {
  private Prompts() {}

  /** The prompt for a question; training appends the answer and EOS to exactly this text. */
  public static String format(String question) {
    return "Question: " + question + "\nAnswer: ";
  }

  /** Strips a leading {@code [INST]} and trailing {@code [/INST]} (either may be absent) and surrounding space. */
  public static String stripChatMarkup(String text) {
    String s = text.strip();
    if (s.startsWith("[INST]")) {
      s = s.substring("[INST]".length());
    }
    if (s.endsWith("[/INST]")) {
      s = s.substring(0, s.length() - "[/INST]".length());
    }
    return s.strip();
  }
}
