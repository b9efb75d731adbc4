package dev.probeval.producer;

import dev.probeval.avro.EvalRequest;
import dev.probeval.contract.EvalRequestValidator;
import dev.probeval.contract.RequestLimits;
import dev.probeval.contract.Validation;
import java.util.Optional;

/**
 * The shared request contract ({@link EvalRequestValidator}, the one the aggregator and the worker apply) as a
 * {@link RequestCheck}: a request it rejects is reported at the producer with its line instead of becoming a dead
 * letter. The message starts with the contract's reason code.
 */
public final class ContractRequestCheck implements RequestCheck {
    private final EvalRequestValidator validator;

    /** The contract with its default limits. */
    public ContractRequestCheck() {
        this(RequestLimits.defaults());
    }

    public ContractRequestCheck(RequestLimits limits) {
        this.validator = new EvalRequestValidator(limits);
    }

    @Override
    public Optional<String> problem(EvalRequest request) {
        if (request.getModelVersion() == null || request.getModelVersion().isEmpty()) {
            return Optional.of("modelVersion must not be empty (pass --model-version or set it on the line)");
        }
        Validation v = validator.validate(request.getRequestId(), request);
        return v.isOk() ? Optional.empty() : Optional.of(v.reason() + ": " + v.message());
    }
}
