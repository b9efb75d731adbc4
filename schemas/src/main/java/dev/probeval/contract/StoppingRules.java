package dev.probeval.contract;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.StoppingRule;
import dev.probeval.avro.StoppingStatus;
import dev.probeval.core.bounds.EarlyStopping;
import java.util.Optional;

/**
 * Maps a request's {@link StoppingRule} onto core's {@link EarlyStopping}, the same way for every service: α the
 * request's, the ANYTIME design n its numSamples (as the aggregator tunes its bounds), the suite share α/Q when
 * suiteSize Q is declared, M_BIN's τ the scorer's leak threshold unless the rule names one.
 */
public final class StoppingRules {
    private StoppingRules() {}

    /** The evaluator of a request's rule; empty when it has none. The request must have passed validation. */
    public static Optional<EarlyStopping> of(EvalRequest r) {
        StoppingRule rule = r.getStoppingRule();
        if (rule == null) {
            return Optional.empty();
        }
        double at = switch (rule.getMetric()) {
            case M_BIN -> rule.getAt() != null ? rule.getAt() : r.getScorer().getLeakThreshold();
            case M_GEN -> rule.getAt();
            case M_MU -> 0.0;
        };
        EarlyStopping.Rule core = new EarlyStopping.Rule(
                EarlyStopping.Metric.valueOf(rule.getMetric().name()),
                at,
                rule.getThreshold(),
                EarlyStopping.Decide.valueOf(rule.getDecide().name()),
                rule.getMinSamples() == null ? 1 : rule.getMinSamples());
        int q = r.getSuiteSize() == null ? 1 : r.getSuiteSize();
        return Optional.of(new EarlyStopping(core, r.getAlpha(), Math.max(1, r.getNumSamples()), q));
    }

    /** The contract's status for a decision (null for CONTINUE). */
    public static StoppingStatus status(EarlyStopping.Decision d) {
        return switch (d) {
            case DECIDED_BELOW -> StoppingStatus.DECIDED_BELOW;
            case DECIDED_ABOVE -> StoppingStatus.DECIDED_ABOVE;
            case CONTINUE -> null;
        };
    }
}
