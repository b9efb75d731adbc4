package dev.probeval.producer;

import dev.probeval.avro.EvalRequest;
import java.util.Optional;

/**
 * Validates a request before it is sent. The producer reports a rejected request with its input line; the same rules
 * run again in the sampler worker, which dead-letters what it rejects. {@link ContractRequestCheck} applies the
 * shared contract.
 */
@FunctionalInterface
public interface RequestCheck {
    /** Why {@code request} is invalid (one sentence naming the field and value), or empty when it is valid. */
    Optional<String> problem(EvalRequest request);
}
