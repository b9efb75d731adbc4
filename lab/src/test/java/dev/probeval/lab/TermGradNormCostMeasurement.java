package dev.probeval.lab;

import ai.djl.Device;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.gpt.GptTrainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: measures what {@code unlearn.termGradNorms} costs per entropy step at the default model size (a forward and
 * a backward per term before the step). Run with
 * {@code mvn -B -pl lab -am test -Dtest=TermGradNormCostMeasurement -Dsurefire.failIfNoSpecifiedTests=false
 * -Dprobeval.lab.measure=true}.
 */
@EnabledIfSystemProperty(named = "probeval.lab.measure", matches = "true")
class TermGradNormCostMeasurement {
    @Test
    void measure() {
        LabConfig cfg = LabConfig.defaults();
        List<QaPair> forget = new ArrayList<>();
        List<QaPair> retain = new ArrayList<>();
        String filler = "The author's works are known for vivid settings and many characters. ";
        for (int i = 0; i < 8; i++) {
            forget.add(new QaPair(
                    "forget", i, "Who wrote book " + i + "?", (filler + filler + filler).substring(0, 180 + i)));
            retain.add(new QaPair(
                    "retain", i, "Where is author " + i + "?", (filler + filler + filler).substring(0, 170 + i)));
        }
        int steps = Integer.getInteger("probeval.lab.measure.steps", 10);
        for (Method method : Method.values()) {
            for (boolean perTerm : new boolean[] {false, true, false, true}) {
                try (GptModel m = GptModel.create(cfg.model().gpt(), 0, Device.cpu())) {
                    float[] ref = UnlearningLoss.summedNll(m, forget);
                    GptTrainer t = new GptTrainer(m, GptTrainer.Config.of(5e-4f, 0, steps + 1));
                    TokenBatch f = TokenBatch.of(m.tokenizer(), forget, m.maxContext());
                    TokenBatch r = TokenBatch.of(m.tokenizer(), retain, m.maxContext());
                    UnlearningLoss loss = new UnlearningLoss(m, method, true, cfg.unlearn(), f, r, ref);
                    t.step(loss); // warm-up
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        if (perTerm) {
                            t.termGradNorms(loss::terms);
                            t.step(loss);
                        } else {
                            t.step(loss);
                        }
                    }
                    System.out.printf(
                            "MEASURE %s+ent %s: %.1f ms/step (%d steps, batch 8+8, model %s, threads %s)%n",
                            method.id(),
                            perTerm ? "norms + step" : "step only",
                            (System.nanoTime() - t0) / 1e6 / steps,
                            steps,
                            cfg.model(),
                            dev.probeval.model.backend.PyTorchThreads.intraOp());
                }
            }
        }
    }
}
