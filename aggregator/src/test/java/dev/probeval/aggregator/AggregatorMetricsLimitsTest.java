package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The caps on meters tagged by request-chosen model versions, suites and splits, and what /metrics then shows. */
class AggregatorMetricsLimitsTest {

    private static double samples(MeterRegistry r, String version) {
        return r.find("probeval.aggregator.model.samples.counted")
                .tag("model_version", version)
                .counter()
                .count();
    }

    @Test
    void versionsBeyondTheCapAreCountedUnderOther() {
        AggregatorMetrics m = new AggregatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 2, 10);
        for (int i = 0; i < 1000; i++) {
            m.sampleCounted("v" + i);
        }
        m.sampleCounted("v0");
        MeterRegistry r = m.registry();
        assertEquals(2.0, samples(r, "v0"));
        assertEquals(1.0, samples(r, "v1"));
        assertEquals(998.0, samples(r, "_other"));
        assertEquals(
                3,
                r.find("probeval.aggregator.model.samples.counted").counters().size(),
                "two versions and _other, whatever the number of versions sent");
        assertEquals(1001.0, m.samplesCountedTotal());
    }

    @Test
    void rollUpsBeyondTheCapShareOneOtherGaugeSet() {
        AggregatorMetrics m = new AggregatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 100, 2);
        m.modelRollup("m1", "tofu", "forget", 4, 1, 0, 0.5, 0.6, 0.3, 0.7);
        m.modelRollup("m1", "tofu", "retain", 5, 2, 0, 0.5, 0.6, 0.3, 0.7);
        for (int i = 0; i < 500; i++) {
            m.modelRollup("m" + i, "suite" + i, "split" + i, 9, 3, 0, 0.5, 0.6, 0.3, 0.7);
        }
        MeterRegistry r = m.registry();
        assertEquals(
                3, r.find("probeval.aggregator.model.prompts.seen").gauges().size(), "two roll-ups and one _other set");
        Gauge kept = r.find("probeval.aggregator.model.prompts.seen")
                .tag("model_version", "m1")
                .tag("suite", "tofu")
                .tag("split", "retain")
                .gauge();
        assertNotNull(kept);
        assertEquals(5.0, kept.value());
        Gauge other = r.find("probeval.aggregator.model.prompts.seen")
                .tag("model_version", "_other")
                .tag("suite", "_other")
                .tag("split", "_other")
                .gauge();
        assertNotNull(other);
        assertEquals(9.0, other.value());
        assertNull(r.find("probeval.aggregator.model.prompts.seen")
                .tag("model_version", "m7")
                .gauge());
    }

    @Test
    void metricsNeverCarryControlCharactersOrHugeLabels() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AggregatorMetrics m = new AggregatorMetrics(prometheus, 10, 10);
        String huge = "x".repeat(1 << 20);
        m.sampleCounted("evil\u0000version\nwith lines");
        m.sampleCounted(huge);
        m.modelRollup(huge, "s\u0001", "split\r", 1, 0, 0, 0, 0, 0, 0);
        String scrape = prometheus.scrape();
        assertFalse(scrape.contains("\u0000"), "no NUL byte in /metrics");
        assertFalse(scrape.contains("\u0001") || scrape.contains("\r"), "no control character in /metrics");
        assertTrue(scrape.contains("model_version=\"evil_version_with lines\""), scrape);
        assertTrue(scrape.length() < 100_000, "a megabyte version is cut, not served: " + scrape.length() + " chars");
        assertTrue(scrape.contains("model_version=\"" + "x".repeat(125) + "...\""), "cut values end in ...");
    }
}
