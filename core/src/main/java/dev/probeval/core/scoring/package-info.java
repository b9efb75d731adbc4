/**
 * Scoring functions h: output → [0,1] (paper-spec §2.2): ROUGE-L and ROUGE-1 with {@code rouge_score} parity
 * (NLTK-mode Porter stemming), exact match, contains, regex, a binary leak threshold and answer-prefix stripping.
 * Entry point: {@link dev.probeval.core.scoring.Scorers#create(String)} or {@link
 * dev.probeval.core.scoring.ScorerSpec#build()}. No I/O.
 */
package dev.probeval.core.scoring;
