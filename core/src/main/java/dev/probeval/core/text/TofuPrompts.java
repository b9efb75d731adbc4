package dev.probeval.core.text;

/**
 * The TOFU prompt format, {@code "Question: " + q + "\nAnswer: "} (TOFU's Phi tags, paper-spec §2.1), and the
 * removal of the Llama-2 chat markup the TOFU logs carry ({@code [INST] … [/INST]}). The lab trains and evaluates
 * on exactly these prompts and the producer turns TOFU log lines into them; both depend on {@code core} (the
 * producer does not depend on the lab, which brings DJL), so they live here, once.
 */
public final class TofuPrompts {
    private TofuPrompts() {}

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
