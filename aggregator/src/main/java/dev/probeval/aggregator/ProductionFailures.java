package dev.probeval.aggregator;

import dev.probeval.contract.DeadLetterReason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

/**
 * The aggregator's {@code production.exception.handler}: an output that cannot be serialized or sent (a record too
 * large for the broker, say) fails the stream thread until the source record's last try under {@link PoisonRecords};
 * then the output is dropped, the source record dead-lettered as {@link DeadLetterReason#PRODUCTION_FAILED}, and
 * processing goes on. A retriable send error is retried (Streams re-processes the task) and never dead-lettered.
 *
 * <p>The request contract bounds every field an output is built from, so no valid request leads here; this is the
 * guard for what the contract does not foresee.
 * Public, with a public no-argument constructor, because Kafka Streams instantiates it from its class.
 */
public final class ProductionFailures implements ProductionExceptionHandler {
    private PoisonRecords policy;

    @Override
    public void configure(Map<String, ?> configs) {
        policy = PoisonRecords.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, ProducerRecord<byte[], byte[]> record, Exception e) {
        if (e instanceof RetriableException) {
            return Response.retry();
        }
        return decide(ctx, e);
    }

    @Override
    public Response handleSerializationError(
            ErrorHandlerContext ctx, ProducerRecord record, Exception e, SerializationExceptionOrigin origin) {
        return decide(ctx, e);
    }

    private Response decide(ErrorHandlerContext ctx, Exception e) {
        if (PoisonRecords.isTransient(e) || !policy.lastAttempt(ctx)) {
            return Response.fail();
        }
        return Response.resume(List.of(policy.deadLetter(ctx, DeadLetterReason.PRODUCTION_FAILED, e)));
    }
}
