package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GptNetworkTest {
    private static final GptConfig CONFIG = new GptConfig(258, 16, 8, 2, 2, 24);

    @Test
    void parametersShouldCarryTheFormat1NamesInTheFormat1Order() {
        List<String> expected = new ArrayList<>(List.of("wte", "wpe"));
        for (int i = 0; i < 2; i++) {
            for (String s : List.of(
                    "ln1.gamma", "ln1.beta", "attn.qkv", "attn.proj", "ln2.gamma", "ln2.beta", "mlp.fc1", "mlp.fc2")) {
                expected.add("h" + i + "." + s);
            }
        }
        expected.addAll(List.of("lnf.gamma", "lnf.beta"));
        try (GptModel m = GptModel.create(CONFIG, 1, Device.cpu())) {
            assertEquals(expected, List.copyOf(m.namedArrays().keySet()));
        }
    }

    @Test
    void shapesShouldFollowTheConfigAndAddUpToItsParameterCount() {
        try (GptModel m = GptModel.create(CONFIG, 1, Device.cpu())) {
            Map<String, NDArray> p = m.namedArrays();
            assertEquals(new Shape(258, 8), p.get("wte").getShape());
            assertEquals(new Shape(16, 8), p.get("wpe").getShape());
            assertEquals(new Shape(24, 8), p.get("h0.attn.qkv").getShape());
            assertEquals(new Shape(8, 8), p.get("h1.attn.proj").getShape());
            assertEquals(new Shape(24, 8), p.get("h0.mlp.fc1").getShape());
            assertEquals(new Shape(8, 24), p.get("h0.mlp.fc2").getShape());
            assertEquals(new Shape(8), p.get("lnf.gamma").getShape());
            assertEquals(
                    CONFIG.parameterCount(),
                    p.values().stream().mapToLong(NDArray::size).sum());
        }
    }

    @Test
    void theLayersShouldBeDjlsOwnLayerNormAndBiasFreeLinearBlocks() {
        GptNetwork net = new GptNetwork(CONFIG);
        GptLayer l = net.layers[0];
        assertEquals(LayerNorm.class, l.ln1.getClass());
        assertEquals(LayerNorm.class, net.finalNorm.getClass());
        assertEquals(Linear.class, l.qkv.getClass());
        // Bias-free: one "weight" per Linear, as the format-1 checkpoints hold.
        assertEquals(List.of("weight"), l.fc1.getDirectParameters().keys());
        assertSame(
                net.namedParameters().get("h0.ln1.gamma"),
                l.ln1.getDirectParameters().get("gamma"));
    }

    @Test
    void theOptimizerViewShouldHaveModelWideNamesAndShareTheModelsArrays() {
        try (GptModel m = GptModel.create(CONFIG, 1, Device.cpu())) {
            List<Parameter> view = m.parameterList();
            Map<String, NDArray> named = m.namedArrays();
            // Adam keys its moments by name: names repeated across layers would share (and corrupt) that state.
            assertEquals(
                    view.size(),
                    new HashSet<>(view.stream().map(Parameter::getName).toList()).size());
            for (Parameter p : view) {
                assertSame(named.get(p.getName()), p.getArray(), p.getName());
            }
            float before = named.get("h1.mlp.fc2").sum().getFloat();
            GptTrainer trainer = new GptTrainer(m, GptTrainer.Config.of(1e-2f, 0, 2));
            trainer.trainStep(List.of(new ByteTokenizer().encode("Cats nap.", true, true)));
            assertNotEquals(before, named.get("h1.mlp.fc2").sum().getFloat());
        }
    }
}
