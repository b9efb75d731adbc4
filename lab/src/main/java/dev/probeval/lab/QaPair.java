package dev.probeval.lab;

import dev.probeval.core.text.TofuPrompts;

/**
 * One TOFU question with its reference answer, chat markup stripped.
 *
 * @param split the TOFU split the line came from ({@code forget} or {@code retain})
 * @param idx the question's index within its split in the TOFU log (20 consecutive indices per author)
 * @param question the question text
 * @param answer the ground-truth answer
 */
public record QaPair(String split, int idx, String question, String answer) {
    /** TOFU has 20 questions per fictitious author, stored consecutively. */
    public static final int QUESTIONS_PER_AUTHOR = 20;

    /** The author index within the split. */
    public int author() {
        return idx / QUESTIONS_PER_AUTHOR;
    }

    /** The one prompt format used everywhere in the lab (TOFU's Phi configuration, paper-spec §2.1). */
    public String prompt() {
        return TofuPrompts.format(question);
    }
}
