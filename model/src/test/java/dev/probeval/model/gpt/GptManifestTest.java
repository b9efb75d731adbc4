package dev.probeval.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptManifestTest {
    private static final GptConfig CONFIG = GptConfig.byteLevel(64, 32, 2, 2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path written() throws IOException {
        Path file = dir.resolve(GptModel.MANIFEST);
        GptManifest.of(CONFIG, Map.of("trainingSteps", 5, "data", List.of("tofu/forget")))
                .write(file);
        return file;
    }

    /** Writes a valid manifest, applies the edit to its JSON tree, and returns the read error's message. */
    private String errorAfter(Consumer<ObjectNode> edit) throws IOException {
        Path file = written();
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(root);
        JSON.writeValue(file.toFile(), root);
        IOException e = assertThrows(IOException.class, () -> GptManifest.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static ObjectNode arch(ObjectNode root) {
        return (ObjectNode) root.get("architecture");
    }

    @Test
    void aWrittenManifestShouldReadBackToTheSameRecord() throws IOException {
        Path file = written();
        GptManifest read = GptManifest.read(file);
        assertEquals(GptManifest.of(CONFIG, Map.of("trainingSteps", 5, "data", List.of("tofu/forget"))), read);
        assertEquals(CONFIG, read.config());
        assertEquals(GptModel.PARAMS, read.parametersFile());
        assertEquals(5, read.provenanceOrEmpty().get("trainingSteps"));
    }

    @Test
    void theWrittenJsonShouldKeepTheFormat1Layout() throws IOException {
        var root = JSON.readTree(written().toFile());
        assertEquals(
                List.of("format", "version", "architecture", "tokenizer", "parameters", "provenance"),
                List.copyOf(iterable(root.fieldNames())));
        assertEquals(
                List.of(
                        "type",
                        "vocabSize",
                        "contextLength",
                        "dim",
                        "layers",
                        "heads",
                        "ffnHidden",
                        "positions",
                        "norm",
                        "activation",
                        "tiedHead",
                        "parameterCount"),
                List.copyOf(iterable(root.get("architecture").fieldNames())));
        assertEquals(
                CONFIG.parameterCount(),
                root.get("architecture").get("parameterCount").asLong());
        assertEquals(256, root.get("tokenizer").get("bos").asInt());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void theFormat1CheckpointsManifestShouldRead() throws IOException {
        GptManifest m = GptManifest.read(Format1Reference.checkpoint().resolve(GptModel.MANIFEST));
        assertEquals(Format1Reference.CONFIG, m.config());
    }

    @Test
    void optionalFieldsShouldDefault() throws IOException {
        Path file = written();
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        root.remove("parameters");
        root.remove("provenance");
        root.put("addedByALaterWriter", "ignored");
        JSON.writeValue(file.toFile(), root);
        GptManifest m = GptManifest.read(file);
        assertEquals(GptModel.PARAMS, m.parametersFile());
        assertTrue(m.provenanceOrEmpty().isEmpty());
    }

    @Test
    void aMissingArchitectureFieldShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> arch(root).remove("dim"));
        assertTrue(msg.contains("'architecture.dim' is missing"), msg);
    }

    @Test
    void aMissingSectionShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> root.remove("tokenizer"));
        assertTrue(msg.contains("'tokenizer' is missing"), msg);
    }

    @Test
    void aStringWhereAnIntegerBelongsShouldBeNamedWithTheExpectedType() throws IOException {
        String msg = errorAfter(root -> arch(root).put("dim", "32"));
        assertTrue(msg.contains("'architecture.dim' has the wrong type: expected an integer"), msg);
    }

    @Test
    void aFractionWhereAnIntegerBelongsShouldBeRejectedNotTruncated() throws IOException {
        String msg = errorAfter(root -> arch(root).put("heads", 2.5));
        assertTrue(msg.contains("'architecture.heads' has the wrong type: expected an integer"), msg);
    }

    @Test
    void aNumberWhereABooleanBelongsShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> arch(root).put("tiedHead", 1));
        assertTrue(msg.contains("'architecture.tiedHead' has the wrong type: expected true or false"), msg);
    }

    @Test
    void aSectionThatIsNotAnObjectShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> root.put("architecture", "gpt"));
        assertTrue(msg.contains("'architecture' has the wrong type: expected an object"), msg);
    }

    @Test
    void anArchitectureThisBuildDoesNotImplementShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> arch(root).put("norm", "rmsnorm"));
        assertTrue(msg.contains("'architecture.norm' is rmsnorm, this build reads only layernorm-prenorm"), msg);
    }

    @Test
    void aParameterCountThatDisagreesWithTheSizesShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> arch(root).put("parameterCount", 12));
        assertTrue(msg.contains("'architecture.parameterCount' is 12"), msg);
    }

    @Test
    void sizesTheConfigRejectsShouldBeReportedWithTheFile() throws IOException {
        String msg = errorAfter(root -> arch(root).put("heads", 3));
        assertTrue(msg.contains("architecture: dim 32 is not divisible by heads 3"), msg);
    }

    @Test
    void aTokenizerOfAnotherKindShouldBeNamed() throws IOException {
        String msg = errorAfter(root -> ((ObjectNode) root.get("tokenizer")).put("type", "sentencepiece"));
        assertTrue(msg.contains("'tokenizer.type' is sentencepiece"), msg);
    }

    @Test
    void aParameterFileOutsideTheDirectoryShouldBeRefused() throws IOException {
        String msg = errorAfter(root -> root.put("parameters", "../other/model.params"));
        assertTrue(msg.contains("'parameters' must name a file inside the model directory"), msg);
    }

    @Test
    void loadingAModelWhoseManifestHasAWrongTypeShouldNameTheFieldAndTheFile() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.copy(Format1Reference.checkpoint().resolve(GptModel.PARAMS), model.resolve(GptModel.PARAMS));
        ObjectNode root = (ObjectNode) JSON.readTree(
                Format1Reference.checkpoint().resolve(GptModel.MANIFEST).toFile());
        arch(root).put("layers", "two");
        JSON.writeValue(model.resolve(GptModel.MANIFEST).toFile(), root);
        IOException e = assertThrows(IOException.class, () -> GptModel.load(model, Device.cpu()));
        assertEquals(
                model.resolve(GptModel.MANIFEST)
                        + ": field 'architecture.layers' has the wrong type: expected an integer",
                e.getMessage());
    }

    @Test
    void anotherFormatOrVersionShouldBeReportedBeforeAnyField() throws IOException {
        Path file = dir.resolve(GptModel.MANIFEST);
        Files.writeString(file, "{\"format\":\"probeval-gpt\",\"version\":2}");
        IOException version = assertThrows(IOException.class, () -> GptManifest.read(file));
        assertTrue(version.getMessage().contains("unsupported version 2 (this build reads 1)"), version.getMessage());
        Files.writeString(file, "{\"format\":\"llama2c\",\"version\":1}");
        IOException format = assertThrows(IOException.class, () -> GptManifest.read(file));
        assertTrue(format.getMessage().contains("format is \"llama2c\", expected probeval-gpt"), format.getMessage());
    }

    @Test
    void brokenJsonShouldBeReportedWithTheFile() throws IOException {
        Path file = dir.resolve(GptModel.MANIFEST);
        Files.writeString(file, "{\"format\": ");
        IOException e = assertThrows(IOException.class, () -> GptManifest.read(file));
        assertTrue(e.getMessage().startsWith(file + ": not valid JSON"), e.getMessage());
    }
}
