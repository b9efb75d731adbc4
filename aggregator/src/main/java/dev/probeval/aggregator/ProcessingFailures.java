package dev.probeval.aggregator;

import dev.probeval.contract.DeadLetterReason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The aggregator's {@code processing.exception.handler}: an exception thrown while processing a record (or in a
 * punctuation) fails the stream thread, so the record is processed again, until its last try under
 * {@link PoisonRecords}; then the record is dead-lettered as {@link DeadLetterReason#PROCESSING_FAILED} and processing
 * resumes with the next one. Transient failures (registry, broker) always fail and are retried.
 * Public, with a public no-argument constructor, because Kafka Streams instantiates it from its class.
 */
public final class ProcessingFailures implements ProcessingExceptionHandler {
    private PoisonRecords policy;

    @Override
    public void configure(Map<String, ?> configs) {
        policy = PoisonRecords.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, Record<?, ?> record, Exception e) {
        if (PoisonRecords.isTransient(e) || !policy.lastAttempt(ctx)) {
            return Response.fail();
        }
        return Response.resume(List.of(policy.deadLetter(ctx, DeadLetterReason.PROCESSING_FAILED, e)));
    }
}
