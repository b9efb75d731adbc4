package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredRecordType;
import dev.probeval.avro.ScoredSample;
import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.sampling.FinishReason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** One bad request cannot crash, stall or loop the worker: each ends alone, and the next request is drawn. */
class WorkerGuardsTest {
    private final MockKafka kafka = new MockKafka();

    private static ScoredSample notice(List<ScoredSample> out, String requestId) {
        return out.stream()
                .filter(s -> s.getRecordType() == ScoredRecordType.REJECTED
                        && s.getRequestId().equals(requestId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no notice"));
    }

    private List<Integer> sampled(String requestId) {
        return kafka.committedSamples().stream()
                .filter(s -> s.getRecordType() == ScoredRecordType.SAMPLE
                        && s.getRequestId().equals(requestId))
                .map(ScoredSample::getSampleIndex)
                .toList();
    }

    @Test
    void aScorerThatOverflowsItsStackRejectsOnlyItsRequestAndTheWorkerDrawsTheNext() throws Exception {
        ChunkRunner.SampleScoring scoring = (vr, g, worker, at) -> {
            if (vr.requestId().equals("req-deep")) {
                throw new StackOverflowError();
            }
            return SampleRecords.scored(vr, g, worker, at);
        };
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), scoring, MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0,
                0,
                Requests.request("req-deep", MockKafka.MODEL, 4).build());
        kafka.addRequest(
                MockKafka.P0, 1, Requests.request("req-ok", MockKafka.MODEL, 2).build());
        MockKafka.drain(loop, 20);

        ScoredSample n = notice(kafka.committedSamples(), "req-deep");
        assertEquals("SCORING_FAILED", n.getRejectionReason());
        assertTrue(n.getRejectionMessage().contains("StackOverflowError"), n.getRejectionMessage());
        assertEquals(List.of(), sampled("req-deep"));
        assertEquals(List.of(-1, 0, 1), sampled("req-ok"), "the next request is drawn as usual");
        assertEquals(1.0, kafka.metrics.errors("SCORING_FAILED"));
        assertEquals(0, kafka.metrics.inFlight());
    }

    @Test
    void aRegexReferenceRe2CannotUseBreaksTheContractAndIsSkippedBeforeAnySampleIsDrawn() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        dev.probeval.avro.ScorerConfig regex = dev.probeval.avro.ScorerConfig.newBuilder()
                .setMetric("regex")
                .setLeakThreshold(0.5)
                .setStripPrefixes(List.of())
                .build();
        kafka.addRequest(
                MockKafka.P0,
                0,
                Requests.request("req-re", MockKafka.MODEL, 2)
                        .setScorer(regex)
                        .setReferences(List.of("Lily", "(a)\\1"))
                        .build());
        MockKafka.drain(loop, 10);
        assertTrue(
                kafka.committedSamples().stream()
                        .noneMatch(s -> s.getRequestId().equals("req-re")),
                "no notice: the aggregator dead-letters a contract violation");
        assertEquals(1.0, kafka.metrics.errors("INVALID_REFERENCE"));
        assertEquals(List.of(), kafka.backend.calls(), "refused before drawing");
    }

    @Test
    void aBackendThatRunsOutOfMemoryOrThrowsRejectsOnlyItsRequest() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        kafka.addRequest(
                MockKafka.P0, 0, Requests.request("req-oom", MockKafka.MODEL, 2).build());
        kafka.backend.errorNext = new OutOfMemoryError("Java heap space");
        MockKafka.drain(loop, 10);
        kafka.addRequest(
                MockKafka.P0, 1, Requests.request("req-npe", MockKafka.MODEL, 2).build());
        kafka.backend.failNext = new NullPointerException("no logits");
        MockKafka.drain(loop, 10);
        kafka.addRequest(
                MockKafka.P0, 2, Requests.request("req-ok", MockKafka.MODEL, 2).build());
        MockKafka.drain(loop, 10);

        List<ScoredSample> out = kafka.committedSamples();
        assertEquals("GENERATION_FAILED", notice(out, "req-oom").getRejectionReason());
        assertTrue(notice(out, "req-oom").getRejectionMessage().contains("OutOfMemoryError: Java heap space"));
        assertEquals("GENERATION_FAILED", notice(out, "req-npe").getRejectionReason());
        assertEquals(List.of(-1, 0, 1), sampled("req-ok"));
        assertEquals(
                new OffsetAndMetadata(2), kafka.committedOffsets(MockKafka.P0).get(1));
    }

    @Test
    void oversizedIdentifiersEndTheRequestWithASmallNoticeAndAnOversizedIdSkipsIt() throws Exception {
        // the contract's own 256-char bound would refuse these first; a looser contract leaves the worker's bound to
        // act
        WorkerLoop loop = kafka.startLoop(
                kafka.config(
                                2,
                                kafka.kafkaConfig()
                                        .optRequestLimits(dev.probeval.contract.RequestLimits.builder()
                                                .optMaxIdChars(1_000_000)
                                                .optMaxRequestBytes(1_000_000)
                                                .build()))
                        .build(),
                MockKafka.P0);
        String huge = "v".repeat(700_000);
        kafka.addRequest(MockKafka.P0, 0, Requests.request("req-mv", huge, 2).build());
        kafka.addRequest(
                MockKafka.P0,
                1,
                Requests.request("req-pid", MockKafka.MODEL, 2)
                        .setPromptId(huge)
                        .build());
        kafka.addRequest(
                MockKafka.P0,
                2,
                Requests.request(huge, MockKafka.MODEL, 2).setPromptId("p-huge").build());
        kafka.addRequest(
                MockKafka.P0, 3, Requests.request("req-ok", MockKafka.MODEL, 2).build());
        MockKafka.drain(loop, 20);

        List<ProducerRecord<String, byte[]>> produced = kafka.producer.history();
        for (ProducerRecord<String, byte[]> r : produced) {
            int size = r.key().getBytes(StandardCharsets.UTF_8).length + r.value().length;
            assertTrue(size < 16 * 1024, "a record of " + size + " bytes");
        }
        List<ScoredSample> out = kafka.committedSamples();
        ScoredSample mv = notice(out, "req-mv");
        assertEquals("WORKER_LIMIT_EXCEEDED", mv.getRejectionReason());
        assertTrue(
                mv.getRejectionMessage()
                        .contains("modelVersion of request req-mv is 700000 chars long, over this "
                                + "worker's identifier limit of 1000"),
                mv.getRejectionMessage());
        assertTrue(mv.getModelVersion().endsWith("…[700000 chars]"), "clipped, saying how long it was");
        assertEquals("WORKER_LIMIT_EXCEEDED", notice(out, "req-pid").getRejectionReason());
        assertTrue(
                out.stream().noneMatch(s -> s.getRequestId().length() > 1000),
                "a request id too long to carry gets no notice");
        assertEquals(1.0, kafka.metrics.requestsSkipped());
        assertEquals(List.of(-1, 0, 1), sampled("req-ok"), "the partition moves on");
        assertEquals(4L, kafka.committedOffsets(MockKafka.P0).get(3).offset());
    }

    @Test
    void aSampleRecordStaysFarBelowOneMegabyteWhateverTheRequestAndTheOutputHold() {
        String id = "i".repeat(WorkerConfig.MAX_IDENTIFIER_CHARS_LIMIT);
        EvalRequest r = Requests.request(id, id, 1)
                .setPromptId(id)
                .setSuite(id)
                .setSplit(id)
                .build();
        ValidatedRequest vr = new ValidatedRequest(r, null, null, (p, ref) -> 1.0, List.of(), 0.5);
        GeneratedSample g = new GeneratedSample(
                "s",
                0,
                GeneratedSample.Kind.SAMPLED,
                "\u20ac".repeat(1_000_000),
                4,
                FinishReason.LENGTH,
                -1,
                -1,
                1,
                null);
        ScoredSample s = SampleRecords.scored(vr, g, "w", Instant.EPOCH);
        int size = MockKafka.avro(s::toByteBuffer).length + id.length();
        assertTrue(size < 256 * 1024, size + " bytes");
        assertTrue(s.getText().endsWith("…[1000000 chars]"));
        assertEquals(1.0, s.getScore(), "scored on the whole text");
    }

    @Test
    void recordsTheBrokerRefusesAreRejectedAfterTheConfiguredTriesAndTheNextRequestIsDrawn() throws Exception {
        WorkerLoop loop =
                kafka.startLoop(kafka.config(2).optMaxProduceAttempts(3).build(), MockKafka.P0);
        EvalRequest big = Requests.request("req-big", MockKafka.MODEL, 2).build();
        EvalRequest ok = Requests.request("req-ok", MockKafka.MODEL, 2).build();
        kafka.tooLarge = rec -> rec.key().equals("req-big")
                && MockKafka.decodeSample(rec.value()).getRecordType() == ScoredRecordType.SAMPLE;
        for (int round = 0; round < 6; round++) {
            // MockConsumer serves a record once; the broker serves it again after each rewind
            kafka.addRequest(MockKafka.P0, 0, big);
            kafka.addRequest(MockKafka.P0, 1, ok);
            MockKafka.drain(loop, 20);
            if (round == 0) {
                assertTrue(loop.nanosRetrying() >= 0, "retrying after a failed transaction");
            }
        }
        assertEquals(3.0, kafka.meterCount("probeval.worker.record.faults"));
        assertEquals(
                3,
                kafka.backend.calls().stream()
                        .filter(c -> c.requestId().equals("req-big"))
                        .count(),
                "drawn 3 times, then given up");
        ScoredSample n = notice(kafka.committedSamples(), "req-big");
        assertEquals("PRODUCTION_FAILED", n.getRejectionReason());
        assertTrue(
                n.getRejectionMessage().contains("failed to commit 3 times")
                        && n.getRejectionMessage().contains("RecordTooLargeException"),
                n.getRejectionMessage());
        assertEquals(List.of(-1, 0, 1), sampled("req-ok"));
        assertEquals(-1, loop.nanosRetrying(), "commits again: not retrying");
    }

    @Test
    void whenNotEvenTheNoticeCanBeProducedTheRequestIsSkippedAndThePartitionMovesOn() throws Exception {
        WorkerLoop loop =
                kafka.startLoop(kafka.config(2).optMaxProduceAttempts(2).build(), MockKafka.P0);
        EvalRequest big = Requests.request("req-big", MockKafka.MODEL, 2).build();
        kafka.tooLarge = rec -> rec.key().equals("req-big");
        for (int round = 0; round < 6; round++) {
            kafka.addRequest(MockKafka.P0, 0, big);
            kafka.addRequest(
                    MockKafka.P0,
                    1,
                    Requests.request("req-ok", MockKafka.MODEL, 2).build());
            MockKafka.drain(loop, 20);
        }
        assertEquals(3.0, kafka.meterCount("probeval.worker.record.faults"), "2 chunk tries and the notice");
        assertTrue(kafka.committedSamples().stream()
                .noneMatch(s -> s.getRequestId().equals("req-big")));
        assertEquals(1.0, kafka.metrics.requestsSkipped());
        assertEquals(
                1.0,
                kafka.meters
                        .get("probeval.worker.requests.skipped")
                        .tag("reason", "PRODUCTION_FAILED")
                        .counter()
                        .count());
        assertEquals(List.of(-1, 0, 1), sampled("req-ok"));
        List<OffsetAndMetadata> offsets = kafka.committedOffsets(MockKafka.P0);
        assertEquals(1L, offsets.get(0).offset(), "the skip commits past the request");
        assertEquals(2L, offsets.get(1).offset());
    }

    @Test
    void aRequestResentAfterAllItsSamplesCommittedIsNotDrawnAgainEvenAfterARestart() throws Exception {
        WorkerLoop loop = kafka.startLoop(kafka.config(2).build(), MockKafka.P0);
        EvalRequest r = Requests.request("req-a", MockKafka.MODEL, 3).build();
        kafka.addRequest(MockKafka.P0, 0, r);
        MockKafka.drain(loop, 20);
        assertEquals(2, kafka.backend.calls().size());

        // re-submitted later: a new createdAt and attributes, the same evaluation
        kafka.addRequest(
                MockKafka.P0,
                1,
                EvalRequest.newBuilder(r)
                        .setCreatedAt(Instant.ofEpochSecond(1_800_000_000L))
                        .setAttributes(Map.of("ticket", "T-2"))
                        .build());
        MockKafka.drain(loop, 20);
        assertEquals(2, kafka.backend.calls().size(), "not drawn again");
        assertEquals(1.0, kafka.metrics.requestsAlreadyComplete());
        assertEquals(MockKafka.done(2, r), kafka.committedOffsets(MockKafka.P0).get(2), "committed past the copy");

        // the same id with another evaluation is a new request
        EvalRequest more = EvalRequest.newBuilder(r).setNumSamples(4).build();
        kafka.addRequest(MockKafka.P0, 2, more);
        MockKafka.drain(loop, 20);
        assertEquals(4, kafka.backend.calls().size());

        // a fresh worker knows both from the committed metadata alone
        OffsetAndMetadata committed = kafka.committedOffsets(MockKafka.P0).get(4);
        MockKafka restarted = new MockKafka().withCommitted(MockKafka.P0, committed);
        WorkerLoop again = restarted.startLoop(restarted.config(2).build(), MockKafka.P0);
        restarted.addRequest(MockKafka.P0, 3, r);
        restarted.addRequest(MockKafka.P0, 4, more);
        MockKafka.drain(again, 20);
        assertEquals(List.of(), restarted.backend.calls());
        assertEquals(2.0, restarted.metrics.requestsAlreadyComplete());
        assertEquals(5L, restarted.committedOffsets(MockKafka.P0).get(1).offset());
    }

    @Test
    void completedRequestsFitTheOffsetMetadataLimitOldestDroppedFirst() {
        CompletedRequests c = new CompletedRequests();
        org.apache.kafka.common.TopicPartition tp = MockKafka.P0;
        for (int i = 0; i < 500; i++) {
            c.completed(tp, String.format("fp%010d", i));
        }
        String progress = new Progress(7, 2, "r".repeat(2000)).encode();
        String meta = c.metadata(tp, progress, null);
        assertTrue(meta.length() <= CompletedRequests.MAX_METADATA, meta.length() + " chars");
        assertTrue(meta.endsWith("\n" + progress));
        assertEquals(
                new Progress(7, 2, "r".repeat(2000)),
                Progress.decode(meta).orElseThrow(),
                "the progress reads back past the completions line");
        List<String> kept = CompletedRequests.parse(meta);
        assertEquals(String.format("fp%010d", 499), kept.get(kept.size() - 1), "the newest is kept");
        assertFalse(kept.contains(String.format("fp%010d", 0)));
        assertEquals(
                CompletedRequests.PER_PARTITION,
                CompletedRequests.parse(c.metadata(tp, "", null)).size());
        assertNull(CompletedRequests.withoutLine(null));
        assertEquals(
                "", c.metadata(MockKafka.P1, "", null), "a partition without completions writes what it did before");
    }
}
