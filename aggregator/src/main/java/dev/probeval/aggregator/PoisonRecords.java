package dev.probeval.aggregator;

import dev.probeval.avro.DeadLetter;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.core.text.Texts;
import dev.probeval.kafka.Topics;
import dev.probeval.registry.SchemaRegistryException;
import dev.probeval.serde.AvroDeserializationException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's poison-pill policy, shared by its Kafka Streams exception handlers ({@link ProcessingFailures},
 * {@link ProductionFailures}) across stream-thread replacements: a record whose processing (or whose output's
 * production) fails the same way on {@link #maxAttempts()} tries is dead-lettered and skipped, so its partition moves
 * on; a failure that is not the record's fault (registry or broker unreachable, {@link #isTransient}) is never
 * dead-lettered, only retried.
 *
 * <p>Before the last try, the handler fails: the transaction aborts, the stream thread is replaced, and the record is
 * processed again from the last commit, so a transient cause that looked permanent gets its retries. The attempt
 * counts are kept per source record (topic, partition, offset) in a bounded map (oldest evicted), so memory does not
 * grow with the number of failing records.
 *
 * <p>Streams creates the handlers by class name; they find this object in their configuration under
 * {@link #CONFIG_KEY}.
 */
final class PoisonRecords {
    /** The key under which the aggregator passes this object to its handlers through the Streams properties. */
    static final String CONFIG_KEY = "probeval.poison.records";
    /** Most source records whose attempt counts are remembered. */
    static final int MAX_TRACKED = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(PoisonRecords.class);

    private final int maxAttempts;
    private final Function<DeadLetter, byte[]> serializer;
    private final AggregatorMetrics metrics;
    private final LongSupplier clock;
    private final Map<String, Integer> attempts = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    PoisonRecords(
            int maxAttempts, Function<DeadLetter, byte[]> serializer, AggregatorMetrics metrics, LongSupplier clock) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.serializer = serializer;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The policy passed in a handler's configuration. */
    static PoisonRecords from(Map<String, ?> configs) {
        Object o = configs.get(CONFIG_KEY);
        if (!(o instanceof PoisonRecords p)) {
            throw new IllegalStateException("the aggregator's exception handlers need " + CONFIG_KEY
                    + " in the Streams " + "properties (set by Aggregator)");
        }
        return p;
    }

    /**
     * Whether {@code e} (or a cause) is a failure of the surroundings, not of the record: an unreachable registry or a
     * retriable broker error. Such records are retried, never dead-lettered.
     */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AvroDeserializationException a && !a.reason().isPoison()) {
                return true;
            }
            if (t instanceof SchemaRegistryException || t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Counts one failed try of the source record in {@code ctx} and says whether it was the last one. A failure outside
     * any record (a punctuation) is counted per processor and task.
     */
    synchronized boolean lastAttempt(ErrorHandlerContext ctx) {
        String key = ctx.topic() == null
                ? "punctuation/" + ctx.processorNodeId() + "/" + ctx.taskId()
                : ctx.topic() + "/" + ctx.partition() + "/" + ctx.offset();
        int n = attempts.merge(key, 1, Integer::sum);
        if (n >= maxAttempts) {
            attempts.remove(key);
            return true;
        }
        return false;
    }

    /**
     * The dead letter of the source record in {@code ctx} (its raw key and value, bounded as every dead letter is), as
     * the record Streams produces for the handler. A punctuation has no source record: its dead letter names the
     * processor and task, with no key or value.
     */
    ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext ctx, DeadLetterReason reason, Throwable e) {
        String topic = ctx.topic() == null ? "punctuation:" + ctx.processorNodeId() : ctx.topic();
        int partition = ctx.topic() == null ? ctx.taskId().partition() : ctx.partition();
        long offset = ctx.topic() == null ? -1 : ctx.offset();
        byte[] key = ctx.topic() == null ? null : ctx.sourceRawKey();
        byte[] value = ctx.topic() == null ? null : ctx.sourceRawValue();
        String message = describe(e) + " (" + maxAttempts + " tries, processor " + ctx.processorNodeId() + ")";
        DeadLetter dl = DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(DeadLetters.prefix(key, DeadLetters.MAX_KEY_BYTES))
                .setKeyTruncatedFrom(DeadLetters.truncatedFrom(key, DeadLetters.MAX_KEY_BYTES))
                .setValue(DeadLetters.prefix(value, DeadLetters.MAX_VALUE_BYTES))
                .setValueTruncatedFrom(DeadLetters.truncatedFrom(value, DeadLetters.MAX_VALUE_BYTES))
                .setErrorClass(e.getClass().getName())
                .setReason(Texts.clip(message, DeadLetters.MAX_REASON_CHARS))
                .setReasonCode(reason.code())
                .setFailedAt(Instant.ofEpochMilli(clock.getAsLong()))
                .build();
        metrics.deadLetter(reason, topic);
        LOG.error(
                "Dead-lettering the record at {}/{}/{} as {}: {}",
                topic,
                partition,
                offset,
                reason,
                Texts.clip(message, 300));
        return new ProducerRecord<>(
                Topics.DEAD_LETTERS.name(),
                null,
                Topics.deadLetterKey(topic, partition, offset).getBytes(StandardCharsets.UTF_8),
                serializer.apply(dl));
    }

    /** The exception's class and message, clipped: a message may quote a field of the record. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + Texts.clip(String.valueOf(e.getMessage()), 500);
    }
}
