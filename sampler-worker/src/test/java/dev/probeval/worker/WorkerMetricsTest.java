package dev.probeval.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The worker's string-tagged meters stay bounded and printable whatever strings reach them. */
class WorkerMetricsTest {

    @Test
    void errorKindsAndOutcomesAreCappedAndSanitised() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WorkerMetrics m = new WorkerMetrics(prometheus);
        for (int i = 0; i < 1000; i++) {
            m.countError("kind-" + i + "\u0000");
            m.streamEnded("outcome-" + i);
        }
        assertEquals(
                WorkerMetrics.MAX_TAG_VALUES,
                prometheus.find("probeval.worker.errors").counters().stream()
                        .filter(c -> !c.getId().getTag("kind").equals("_other"))
                        .count());
        assertEquals(
                WorkerMetrics.MAX_TAG_VALUES + 1,
                prometheus.find("probeval.worker.streams.stopped").counters().size(),
                "the kept outcomes and _other");
        assertEquals(
                1000 - WorkerMetrics.MAX_TAG_VALUES,
                prometheus
                        .find("probeval.worker.streams.stopped")
                        .tag("outcome", "_other")
                        .counter()
                        .count());
        assertFalse(prometheus.scrape().contains("\u0000"), "no NUL byte in /metrics");
        m.countError(WorkerMetrics.KAFKA_ERROR);
        assertEquals(1.0, m.errors(WorkerMetrics.KAFKA_ERROR), "the fixed kinds registered at start stay kept");
    }
}
