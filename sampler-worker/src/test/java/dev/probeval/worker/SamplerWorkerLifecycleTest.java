package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.model.backend.GeneratedSample;
import dev.probeval.model.backend.GenerationRequest;
import dev.probeval.model.backend.SamplingBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker's thread, its shutdown and {@link SamplerWorker#terminated()}, on mock clients. */
class SamplerWorkerLifecycleTest {
    private final MockKafka kafka = new MockKafka();

    private SamplerWorker start() {
        return SamplerWorker.start(
                kafka.config(2).build(),
                new SimpleMeterRegistry(),
                ChunkListener.NONE,
                kafka.clients(),
                kafka.serdes());
    }

    @Test
    void terminatedCompletesNormallyAfterCloseAndEverythingIsClosed() throws Exception {
        SamplerWorker w = start();
        assertFalse(w.terminated().isDone());
        w.close();
        assertNull(w.terminated().get(30, TimeUnit.SECONDS));
        assertFalse(w.isRunning());
        assertTrue(w.failure().isEmpty());
        assertTrue(kafka.consumer.closed());
        assertTrue(kafka.producer.closed());
    }

    @Test
    void terminatedCompletesExceptionallyWhenTheProducerIsFenced() throws Exception {
        kafka.consumer.schedulePollTask(() -> {
            kafka.producer.fenceProducer(); // a newer instance with the same worker id took over
            kafka.consumer.rebalance(List.of(MockKafka.P0));
            kafka.addRequest(
                    MockKafka.P0,
                    0,
                    Requests.request("req-a", MockKafka.MODEL, 2).build());
        });
        SamplerWorker w = start();
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> w.terminated().get(30, TimeUnit.SECONDS));
        assertInstanceOf(ProducerFencedException.class, e.getCause());
        assertFalse(w.isRunning());
        assertEquals(e.getCause(), w.failure().orElseThrow());
        assertTrue(kafka.producer.history().isEmpty(), "nothing produced by a fenced worker");
        w.close(); // closing a dead worker is harmless
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // liveness guard: before the shutdown timeout, close waited 5 minutes
    void closeStopsAWorkerWhoseBackendNeverReturnsWithinTheShutdownTimeout() throws Exception {
        CountDownLatch drawing = new CountDownLatch(1);
        SamplingBackend stuck = new SamplingBackend() {
            @Override
            public List<GeneratedSample> generate(GenerationRequest r) {
                drawing.countDown();
                while (true) { // never returns, and ignores interrupts
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ignored) {
                        // keep hanging
                    }
                }
            }

            @Override
            public String describe() {
                return "a backend that never returns";
            }

            @Override
            public void close() {}
        };
        kafka.consumer.schedulePollTask(() -> {
            kafka.consumer.rebalance(List.of(MockKafka.P0));
            kafka.addRequest(
                    MockKafka.P0,
                    0,
                    Requests.request("req-a", MockKafka.MODEL, 2).build());
        });
        SamplerWorker w = SamplerWorker.start(
                kafka.config(2)
                        .optBackendFactory(spec -> stuck)
                        .optShutdownTimeout(Duration.ofSeconds(2))
                        .build(),
                new SimpleMeterRegistry(),
                ChunkListener.NONE,
                kafka.clients(),
                kafka.serdes());
        assertTrue(drawing.await(30, TimeUnit.SECONDS), "the draw started");
        w.close();
        assertTrue(w.awaitStopped(Duration.ZERO), "stopped by the time close returns");
        assertNull(w.terminated().get(1, TimeUnit.SECONDS), "a clean stop");
        assertTrue(kafka.consumer.closed());
        assertTrue(kafka.producer.closed());
        assertEquals(0, kafka.producer.commitCount(), "nothing of the abandoned chunk is committed");
        assertFalse(kafka.producer.transactionInFlight());
    }

    @Test
    void terminatedFuturesAreIndependentOfEachOther() throws Exception {
        SamplerWorker w = start();
        w.terminated().complete(null); // a caller completing its own copy does not stop the worker
        assertTrue(w.isRunning());
        assertFalse(w.terminated().isDone());
        w.close();
        assertNull(w.terminated().get(30, TimeUnit.SECONDS));
    }
}
