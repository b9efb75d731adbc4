package dev.probeval.worker;

import java.util.Objects;

/**
 * The one place the model's {@link dev.probeval.model.sampling.FinishReason} becomes the contract's {@link
 * dev.probeval.avro.FinishReason}. An exhaustive switch: a model constant without a case does not compile, and
 * {@code FinishReasonsTest} fails when a contract constant has no model counterpart.
 */
final class FinishReasons {
    private FinishReasons() {}

    static dev.probeval.avro.FinishReason toAvro(dev.probeval.model.sampling.FinishReason finish) {
        return switch (Objects.requireNonNull(finish, "finish reason")) {
            case EOS -> dev.probeval.avro.FinishReason.EOS;
            case LENGTH -> dev.probeval.avro.FinishReason.LENGTH;
            case STOP -> dev.probeval.avro.FinishReason.STOP;
        };
    }
}
