/**
 * The one request contract every probeval service enforces the same way: {@link dev.probeval.contract.EvalRequestValidator}
 * with its {@link dev.probeval.contract.RequestLimits}, the reason codes of every dead letter and rejection
 * ({@link dev.probeval.contract.DeadLetterReason}), and the model roll-up's grouping key
 * ({@link dev.probeval.contract.RollupKey}). The aggregator dead-letters a request that breaks the contract; the
 * worker skips it (one dead letter per bad record).
 */
package dev.probeval.contract;
