package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptParameterCodecTest {
    @TempDir
    Path dir;

    @Test
    void aFormat1CheckpointSavedAgainShouldLoadWithTheSameValues() throws IOException {
        try (GptModel original = GptModel.load(Format1Reference.checkpoint(), Device.cpu())) {
            original.save(dir);
            try (GptModel again = GptModel.load(dir, Device.cpu())) {
                assertSameParameters(original, again);
            }
        }
    }

    private static void assertSameParameters(GptModel a, GptModel b) {
        Map<String, NDArray> before = a.namedArrays();
        Map<String, NDArray> after = b.namedArrays();
        assertEquals(List.copyOf(before.keySet()), List.copyOf(after.keySet()));
        for (String name : before.keySet()) {
            assertArrayEquals(before.get(name).toFloatArray(), after.get(name).toFloatArray(), name);
        }
    }

    @Test
    void aSaveAndLoadShouldRestoreEveryParameterBitForBit() throws IOException {
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 3, Device.cpu())) {
            m.save(dir);
            try (GptModel loaded = GptModel.load(dir, Device.cpu())) {
                assertSameParameters(m, loaded);
            }
        }
    }

    @Test
    void aParameterOfAnotherShapeShouldBeNamed() throws IOException {
        Path file = dir.resolve(GptModel.PARAMS);
        try (GptModel small = GptModel.create(Format1Reference.CONFIG, 1, Device.cpu());
                GptModel wide = GptModel.create(new GptConfig(258, 16, 16, 2, 2, 24), 1, Device.cpu())) {
            GptParameterCodec.write(file, small.namedArrays());
            IOException e = assertThrows(
                    IOException.class, () -> GptParameterCodec.read(file, wide.namedArrays(), wide.weightsManager()));
            assertEquals(file + ": parameter wte is float32 (258, 8), expected float32 (258, 16)", e.getMessage());
        }
    }

    @Test
    void aParameterTheArchitectureLacksShouldBeNamed() throws IOException {
        Path file = dir.resolve(GptModel.PARAMS);
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 1, Device.cpu())) {
            Map<String, NDArray> renamed = new LinkedHashMap<>(m.namedArrays());
            renamed.put("h0.attn.bias", renamed.remove("h0.attn.qkv"));
            GptParameterCodec.write(file, renamed);
            IOException e = assertThrows(
                    IOException.class, () -> GptParameterCodec.read(file, m.namedArrays(), m.weightsManager()));
            assertTrue(e.getMessage().startsWith(file + ": unexpected parameter h0.attn.bias"), e.getMessage());
        }
    }

    @Test
    void aTruncatedOrForeignFileShouldBeReportedWithItsName() throws IOException {
        Path file = dir.resolve(GptModel.PARAMS);
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 1, Device.cpu())) {
            GptParameterCodec.write(file, m.namedArrays());
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
            IOException truncated = assertThrows(
                    IOException.class, () -> GptParameterCodec.read(file, m.namedArrays(), m.weightsManager()));
            assertEquals(file + ": truncated parameter file", truncated.getMessage());
            Files.writeString(file, "not a parameter file");
            IOException foreign = assertThrows(
                    IOException.class, () -> GptParameterCodec.read(file, m.namedArrays(), m.weightsManager()));
            assertEquals(file + ": not a probeval GPT parameter file", foreign.getMessage());
        }
    }

    @Test
    void aLoadThatFailsHalfwayShouldReportTheFileAndNotReturnAModel() throws IOException {
        // load() closes the half-filled model on any error, so a caller never holds mixed weights.
        try (GptModel m = GptModel.create(Format1Reference.CONFIG, 1, Device.cpu())) {
            m.save(dir);
        }
        byte[] bytes = Files.readAllBytes(dir.resolve(GptModel.PARAMS));
        Files.write(dir.resolve(GptModel.PARAMS), Arrays.copyOf(bytes, bytes.length - 10));
        IOException e = assertThrows(IOException.class, () -> GptModel.load(dir, Device.cpu()));
        assertEquals(dir.resolve(GptModel.PARAMS) + ": truncated parameter file", e.getMessage());
    }
}
