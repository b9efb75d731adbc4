package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.DeadLetter;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.kafka.Topics;
import dev.probeval.serde.AvroDeserializationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * The poison-pill policy of the aggregator's Streams exception handlers, called as Streams calls them: a record that
 * keeps failing is retried (the handler fails) until its last try, then dead-lettered with its bytes and the
 * partition moves on; a registry or broker outage is never dead-lettered.
 */
class PoisonRecordsTest {
    static {
        dev.probeval.serde.AvroClassSecurity.trustProbevalClasses();
    }

    private final List<DeadLetter> written = new ArrayList<>();
    private final AggregatorMetrics metrics = AggregatorMetrics.noop();
    private final PoisonRecords policy = new PoisonRecords(
            3,
            dl -> {
                written.add(dl);
                return new byte[] {1};
            },
            metrics,
            () -> 42L);

    private static ErrorHandlerContext context(String topic, long offset, byte[] key, byte[] value) {
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return topic;
            }

            @Override
            public int partition() {
                return topic == null ? -1 : 1;
            }

            @Override
            public long offset() {
                return offset;
            }

            @Override
            public Headers headers() {
                return new RecordHeaders();
            }

            @Override
            public String processorNodeId() {
                return "model-rollup-process";
            }

            @Override
            public TaskId taskId() {
                return new TaskId(1, 1);
            }

            @Override
            public long timestamp() {
                return 0;
            }

            @Override
            public byte[] sourceRawKey() {
                return key;
            }

            @Override
            public byte[] sourceRawValue() {
                return value;
            }
        };
    }

    private ProcessingFailures processing() {
        ProcessingFailures h = new ProcessingFailures();
        h.configure(Map.of(PoisonRecords.CONFIG_KEY, policy));
        return h;
    }

    @Test
    void aRecordThatKeepsFailingIsRetriedThenDeadLetteredWithItsBytes() {
        ProcessingFailures h = processing();
        byte[] key = "req-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[] {0, 0, 0, 0, 1, 2};
        ErrorHandlerContext ctx = context(Topics.EVAL_REQUESTS.name(), 17, key, value);
        Record<byte[], byte[]> rec = new Record<>(key, value, 0);
        NumberFormatException boom = new NumberFormatException("For input string: \"\0" + "x".repeat(10_000) + "\"");
        assertEquals(
                ProcessingExceptionHandler.Result.FAIL,
                h.handleError(ctx, rec, boom).result());
        assertEquals(
                ProcessingExceptionHandler.Result.FAIL,
                h.handleError(ctx, rec, boom).result());
        ProcessingExceptionHandler.Response last = h.handleError(ctx, rec, boom);
        assertEquals(ProcessingExceptionHandler.Result.RESUME, last.result());
        assertEquals(1, last.deadLetterQueueRecords().size());
        ProducerRecord<byte[], byte[]> out = last.deadLetterQueueRecords().get(0);
        assertEquals(Topics.DEAD_LETTERS.name(), out.topic());
        assertEquals(
                Topics.deadLetterKey(Topics.EVAL_REQUESTS.name(), 1, 17),
                new String(out.key(), StandardCharsets.UTF_8));
        DeadLetter dl = written.get(0);
        assertEquals(DeadLetterReason.PROCESSING_FAILED.code(), dl.getReasonCode());
        assertEquals("req-1", StandardCharsets.UTF_8.decode(dl.getKey()).toString());
        assertEquals(6, dl.getValue().remaining());
        assertTrue(dl.getReason().length() < 800 && dl.getReason().contains("3 tries"), dl.getReason());
        assertTrue(dl.getReason().chars().noneMatch(c -> c == 0), "the NUL is escaped");
        assertEquals(1.0, metrics.deadLetterCount(DeadLetterReason.PROCESSING_FAILED));
        // counted afresh: another poison record later gets its own tries
        assertEquals(
                ProcessingExceptionHandler.Result.FAIL,
                h.handleError(ctx, rec, boom).result());
    }

    @Test
    void aRegistryOrBrokerOutageIsRetriedForeverNeverDeadLettered() {
        ProcessingFailures h = processing();
        ErrorHandlerContext ctx = context(Topics.SAMPLES.name(), 5, new byte[] {1}, new byte[] {2});
        AvroDeserializationException registryDown = new AvroDeserializationException(
                AvroDeserializationException.Reason.REGISTRY_UNAVAILABLE,
                Topics.SAMPLES.name(),
                3,
                "connection refused");
        for (int i = 0; i < 10; i++) {
            assertEquals(
                    ProcessingExceptionHandler.Result.FAIL,
                    h.handleError(ctx, null, registryDown).result());
            assertEquals(
                    ProcessingExceptionHandler.Result.FAIL,
                    h.handleError(ctx, null, new TimeoutException("broker")).result());
        }
        assertTrue(written.isEmpty());
    }

    @Test
    void aPunctuationThatKeepsFailingIsDeadLetteredUnderItsProcessor() {
        ProcessingFailures h = processing();
        ErrorHandlerContext ctx = context(null, -1, null, null);
        IllegalStateException e = new IllegalStateException("bad group key");
        h.handleError(ctx, null, e);
        h.handleError(ctx, null, e);
        assertEquals(
                ProcessingExceptionHandler.Result.RESUME,
                h.handleError(ctx, null, e).result());
        DeadLetter dl = written.get(0);
        assertEquals("punctuation:model-rollup-process", dl.getSourceTopic());
        assertNull(dl.getKey());
        assertNull(dl.getValue());
    }

    @Test
    void anOutputTooLargeToProduceDeadLettersItsSourceRecordAfterItsTries() {
        ProductionFailures h = new ProductionFailures();
        h.configure(Map.of(PoisonRecords.CONFIG_KEY, policy));
        byte[] big = new byte[DeadLetters.MAX_VALUE_BYTES + 10];
        ErrorHandlerContext ctx = context(Topics.EVAL_REQUESTS.name(), 9, new byte[] {7}, big);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>("x-repartition", new byte[] {1}, new byte[] {2});
        RecordTooLargeException tooLarge = new RecordTooLargeException("1400000 bytes");
        assertEquals(
                ProductionExceptionHandler.Result.FAIL,
                h.handleError(ctx, out, tooLarge).result());
        assertEquals(
                ProductionExceptionHandler.Result.FAIL,
                h.handleError(ctx, out, tooLarge).result());
        ProductionExceptionHandler.Response last = h.handleError(ctx, out, tooLarge);
        assertEquals(ProductionExceptionHandler.Result.RESUME, last.result());
        DeadLetter dl = written.get(0);
        assertEquals(DeadLetterReason.PRODUCTION_FAILED.code(), dl.getReasonCode());
        assertEquals(DeadLetters.MAX_VALUE_BYTES, dl.getValue().remaining(), "the value is kept up to the bound");
        assertEquals(big.length, dl.getValueTruncatedFrom());
        assertEquals(
                ProductionExceptionHandler.Result.RETRY,
                h.handleError(ctx, out, new TimeoutException("slow broker")).result());
    }
}
