/**
 * Bounds on a prompt's output-score distribution (Scholten, Günnemann &amp; Schwinn, ICLR 2025; paper-spec §1):
 * {@link dev.probeval.core.bounds.ScoreAccumulator} holds one prompt's sufficient statistics,
 * {@link dev.probeval.core.bounds.Bounds#compute} turns them into every metric in CONBO, SOUND or ANYTIME mode,
 * {@link dev.probeval.core.bounds.SuiteBounds} bounds many prompts at once and
 * {@link dev.probeval.core.bounds.SampleSizePlanner} chooses n.
 */
package dev.probeval.core.bounds;
