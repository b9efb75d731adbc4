package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.contract.DeadLetterReason;
import dev.probeval.serde.AvroDeserializationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** What becomes of a request record before any sample is drawn, alone and inside the worker's loop. */
class AdmissionTest {
    private final MockKafka kafka = new MockKafka();

    private Admission admission(BackendFactory factory) {
        WorkerConfig config = kafka.config(2).optBackendFactory(factory).build();
        return new Admission(
                kafka.serdes().requests(),
                new RequestValidator(config.catalog(), 64, 100),
                new ModelCache(config.catalog(), factory));
    }

    private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>(
                MockKafka.REQUESTS, 0, 7L, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void validRequestIsAcceptedWithItsDerivedSettings() {
        EvalRequest r = Requests.request("req-ok", MockKafka.MODEL, 5).build();
        Admission.Decision d = admission(spec -> kafka.backend).admit(record("req-ok", MockKafka.encode(r)));
        ValidatedRequest vr = assertInstanceOf(Admission.Accept.class, d).request();
        assertEquals("req-ok", vr.requestId());
        assertEquals(5, vr.numSamples());
        assertEquals(MockKafka.MODEL, vr.model().version());
    }

    @Test
    void tombstoneIsSkipped() {
        assertInstanceOf(Admission.Skip.class, admission(spec -> kafka.backend).admit(record("req-gone", null)));
    }

    @Test
    void undeserializableBytesAreIgnoredForTheAggregatorToDeadLetter() {
        Admission.Decision d =
                admission(spec -> kafka.backend).admit(record("req-bad", "not avro".getBytes(StandardCharsets.UTF_8)));
        assertEquals(
                DeadLetterReason.UNDESERIALIZABLE,
                assertInstanceOf(Admission.Ignore.class, d).reason());
    }

    @Test
    void registryOutageIsThrownForRetryNotRejected() {
        kafka.registryDown = true;
        EvalRequest r = Requests.request("req-ok", MockKafka.MODEL, 5).build();
        AvroDeserializationException e = assertThrows(
                AvroDeserializationException.class,
                () -> admission(spec -> kafka.backend).admit(record("req-ok", MockKafka.encode(r))));
        assertEquals(AvroDeserializationException.Reason.REGISTRY_UNAVAILABLE, e.reason());
    }

    @Test
    void contractViolationsAreIgnoredAndWorkerSideRefusalsRejected() {
        Admission a = admission(spec -> kafka.backend);
        EvalRequest zero = Requests.request("req-zero", MockKafka.MODEL, 0).build();
        Admission.Ignore r1 =
                assertInstanceOf(Admission.Ignore.class, a.admit(record("req-zero", MockKafka.encode(zero))));
        assertEquals(DeadLetterReason.NUM_SAMPLES_OUT_OF_RANGE, r1.reason());
        assertTrue(r1.message().contains("numSamples 0"), r1.message());

        EvalRequest other = Requests.request("req-model", "llama-70b", 3).build();
        Admission.Reject r2 =
                assertInstanceOf(Admission.Reject.class, a.admit(record("req-model", MockKafka.encode(other))));
        assertEquals(DeadLetterReason.UNKNOWN_MODEL_VERSION, r2.reason());
        assertEquals("req-model", r2.request().getRequestId());

        EvalRequest keyed = Requests.request("req-key", MockKafka.MODEL, 3).build();
        Admission.Ignore r3 =
                assertInstanceOf(Admission.Ignore.class, a.admit(record("another-key", MockKafka.encode(keyed))));
        assertEquals(DeadLetterReason.KEY_MISMATCH, r3.reason());

        EvalRequest many = Requests.request("req-many", MockKafka.MODEL, 101).build();
        Admission.Reject r4 =
                assertInstanceOf(Admission.Reject.class, a.admit(record("req-many", MockKafka.encode(many))));
        assertEquals(DeadLetterReason.WORKER_LIMIT_EXCEEDED, r4.reason(), "within the contract, beyond this worker");
    }

    @Test
    void modelThatCannotBeOpenedIsRejectedAsModelUnavailable() {
        BackendFactory broken = spec -> {
            throw new IOException("checkpoint truncated");
        };
        EvalRequest r = Requests.request("req-ok", MockKafka.MODEL, 5).build();
        Admission.Reject rej = assertInstanceOf(
                Admission.Reject.class, admission(broken).admit(record("req-ok", MockKafka.encode(r))));
        assertEquals(DeadLetterReason.MODEL_UNAVAILABLE, rej.reason());
        assertTrue(rej.message().contains("checkpoint truncated"), rej.message());
    }

    @Test
    void loopSkipsAnInvalidRequestWithoutADeadLetterCommittingItsOffset() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0,
                0,
                Requests.request("req-zero", MockKafka.MODEL, 0).build());
        EvalRequest ok = Requests.request("req-ok", MockKafka.MODEL, 1).build();
        kafka.addRequest(MockKafka.P0, 1, ok);
        MockKafka.drain(loop, 10);

        assertTrue(kafka.committedDeadLetters().isEmpty(), "the aggregator writes this record's one dead letter");
        // Transaction 1: offset 1 only; transaction 2: the valid request's only chunk with offset 2.
        assertEquals(List.of(new OffsetAndMetadata(1), MockKafka.done(2, ok)), kafka.committedOffsets(MockKafka.P0));
        assertEquals(2, kafka.producer.commitCount());
        assertTrue(
                kafka.committedSamples().stream().allMatch(s -> s.getRequestId().equals("req-ok")));
        assertEquals(1.0, kafka.metrics.errors("NUM_SAMPLES_OUT_OF_RANGE"));
    }

    @Test
    void loopEndsAnUnknownModelVersionWithARejectedRecordAndItsOffset() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-model", "llama-70b", 3).build());
        MockKafka.drain(loop, 10);

        assertTrue(kafka.committedDeadLetters().isEmpty());
        List<ScoredSample> out = kafka.committedSamples();
        assertEquals(1, out.size());
        ScoredSample notice = out.get(0);
        assertEquals(ScoredRecordType.REJECTED, notice.getRecordType());
        assertEquals("req-model", notice.getRequestId());
        assertEquals("UNKNOWN_MODEL_VERSION", notice.getRejectionReason());
        assertTrue(notice.getRejectionMessage().contains("llama-70b"), notice.getRejectionMessage());
        assertEquals("req-model", kafka.producer.history().get(0).key());
        assertEquals(List.of(new OffsetAndMetadata(1)), kafka.committedOffsets(MockKafka.P0));
        assertTrue(kafka.backend.calls().isEmpty(), "no model time spent");
        assertEquals(1.0, kafka.metrics.errors("UNKNOWN_MODEL_VERSION"));
    }

    @Test
    void loopSkipsATombstoneCommittingOnlyItsOffset() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRaw(MockKafka.P0, 0, "req-gone", null);
        MockKafka.drain(loop, 5);
        assertTrue(kafka.producer.history().isEmpty(), "nothing produced for a tombstone");
        assertEquals(List.of(new OffsetAndMetadata(1)), kafka.committedOffsets(MockKafka.P0));
        assertTrue(kafka.backend.calls().isEmpty());
    }

    @Test
    void loopRetriesARequestWhenTheRegistryIsDownInsteadOfDeadLetteringIt() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.registryDown = true;
        EvalRequest r = Requests.request("req-ok", MockKafka.MODEL, 1).build();
        kafka.addRequest(MockKafka.P0, 0, r);
        loop.iterate(); // poll
        loop.iterate(); // admission fails: abort nothing, rewind
        assertEquals(1.0, kafka.metrics.errors(WorkerMetrics.KAFKA_ERROR));
        assertTrue(kafka.committedDeadLetters().isEmpty());
        assertEquals(0L, kafka.consumer.position(MockKafka.P0), "rewound to the start: nothing was committed");

        kafka.registryDown = false;
        kafka.addRequest(MockKafka.P0, 0, r); // MockConsumer hands a record out once; a broker serves it again
        MockKafka.drain(loop, 10);
        assertEquals(
                List.of(-1, 0),
                kafka.committedSamples().stream().map(s -> s.getSampleIndex()).toList(),
                "read again after the outage and drawn once");
        assertTrue(kafka.committedDeadLetters().isEmpty());
    }
}
