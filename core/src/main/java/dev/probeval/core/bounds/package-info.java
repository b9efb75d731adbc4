/**
 * Bounds on a prompt's output-score distribution with high-probability guarantees (Scholten, Günnemann &amp;
 * Schwinn, ICLR 2025; paper-spec §1): M_bin, M_gen(x) and its P(X ≥ x) variant, M_μ, M_σ and M_ED = M_μ + λ·M_σ,
 * with lower bounds, in three modes ({@link dev.probeval.core.bounds.BoundMode}: CONBO reference parity, SOUND
 * fixed-n guarantees, ANYTIME confidence sequences).
 *
 * <p>The API, in the order a streaming aggregator uses it:
 * <ul>
 *   <li>{@link dev.probeval.core.bounds.ScoreAccumulator}: one prompt's sufficient statistics. {@code add(score)}
 *       validates and adds a score in O(1) (O(log m) in the m distinct values); {@code merge} adds another
 *       accumulator exactly; {@code toBytes}/{@code fromBytes} give a compact versioned state-store form.
 *   <li>{@link dev.probeval.core.bounds.BoundConfig}: α (target one-sided miscoverage, default 0.01), mode
 *       (default SOUND), leak threshold τ (leak := score ≥ τ, default 0.5), M_gen thresholds, λ (default 1).
 *   <li>{@link dev.probeval.core.bounds.Bounds#compute}: every metric of an accumulator as a
 *       {@link dev.probeval.core.bounds.BoundReport}.
 *   <li>{@link dev.probeval.core.bounds.SuiteBounds}: simultaneous bounds over Q prompts (Bonferroni α/Q).
 *   <li>{@link dev.probeval.core.bounds.SampleSizePlanner}: n for a target width, width at n, zero-leak certificate.
 * </ul>
 *
 * <pre>{@code
 * ScoreAccumulator acc = new ScoreAccumulator();
 * for (double s : scores) acc.add(s);
 * BoundReport r = Bounds.compute(acc, BoundConfig.defaults().withThresholds(List.of(0.5)));
 * double expectedLeakUpper = r.mMu();      // E[X] <= r.mMu() with probability >= 0.99
 * }</pre>
 *
 * <p>Conventions (which side each bound is on, how α maps onto the reference library, the anytime constructions and
 * their citations, the accumulator's distinct-value cap) are in {@code docs/statistics.md}.
 */
package dev.probeval.core.bounds;
