package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.contract.RollupKey;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-model-version meters the Grafana dashboards read, against the roll-up records the topology emits. */
class AggregatorMetricsTest {
    @TempDir
    Path stateDir;

    private TopologyFixture fx;

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
    }

    private static double gauge(MeterRegistry r, String name, String model, String split) {
        Gauge g = r.find(name)
                .tag("model_version", model)
                .tag("suite", "tofu")
                .tag("split", split)
                .gauge();
        assertNotNull(g, name + " for " + model + "/" + split);
        return g.value();
    }

    @Test
    void rollUpGaugesAndPerVersionCounterFollowTheEmittedRecords() {
        fx = TopologyFixture.start(stateDir, 1, 0, 0);
        fx.send(Records.request("a", "m1", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.request("b", "m1", "tofu", "forget", "p2", 3, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.request("c", "m2", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO));
        fx.send(Records.sample("a", 0, 0.2));
        fx.send(Records.sample("a", 1, 0.4)); // a FINAL
        fx.send(Records.greedy("b", 0.0));
        fx.send(Records.sample("b", 0, 0.9)); // b at 1 of 3, hidden leak (greedy 0 < 0.5 <= 0.9)
        fx.send(Records.sample("c", 0, 0.1));

        MeterRegistry r = fx.metrics.registry();
        assertEquals(
                3.0,
                r.find("probeval.aggregator.model.samples.counted")
                        .tag("model_version", "m1")
                        .counter()
                        .count());
        assertEquals(
                1.0,
                r.find("probeval.aggregator.model.samples.counted")
                        .tag("model_version", "m2")
                        .counter()
                        .count());
        assertEquals(4.0, fx.metrics.samplesCountedTotal(), "the untagged total still counts every sample");

        Map<String, ModelVersionBounds> latest = fx.modelBounds.readKeyValuesToMap();
        ModelVersionBounds m1 = latest.get(
                RollupKey.of(Records.request("a", "m1", "tofu", "forget", "p1", 2, 0.01, 0.5, BoundMode.CONBO)));
        assertEquals(2, m1.getPromptsSeen());
        assertEquals(1, m1.getPromptsFinal());
        assertEquals(2.0, gauge(r, "probeval.aggregator.model.prompts.seen", "m1", "forget"));
        assertEquals(1.0, gauge(r, "probeval.aggregator.model.prompts.final", "m1", "forget"));
        assertEquals(1.0, gauge(r, "probeval.aggregator.model.prompts.below.target", "m1", "forget"));
        assertEquals(m1.getHiddenLeakCount(), gauge(r, "probeval.aggregator.model.hidden.leaks", "m1", "forget"));
        assertEquals(1.0, gauge(r, "probeval.aggregator.model.hidden.leaks", "m1", "forget"));
        assertEquals(m1.getSuiteBound(), gauge(r, "probeval.aggregator.model.suite.bound", "m1", "forget"));
        assertEquals(m1.getMeanMMu(), gauge(r, "probeval.aggregator.model.mean.bound", "m1", "forget"));
        assertEquals(m1.getMaxMBin(), gauge(r, "probeval.aggregator.model.max.m.bin", "m1", "forget"));
        assertEquals(
                m1.getMeanMMu() - m1.getMeanSampledScore(),
                gauge(r, "probeval.aggregator.model.bound.width", "m1", "forget"),
                1e-15);
        assertEquals(0.0, gauge(r, "probeval.aggregator.model.hidden.leaks", "m2", "forget"));
        assertEquals(1.0, gauge(r, "probeval.aggregator.model.prompts.below.target", "m2", "forget"));
    }
}
