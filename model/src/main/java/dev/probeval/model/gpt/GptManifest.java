package dev.probeval.model.gpt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code manifest.json} of a saved small GPT, bound by Jackson: format and version, the architecture, the
 * tokenizer, the parameter file and free-form provenance. Numbers are boxed so that a missing field binds to null
 * and {@link #read} can name it; scalar coercions ("8" for 8, 8.5 for 8) are off so that a wrong type is an error
 * rather than a silently different model.
 */
record GptManifest(
        String format,
        Integer version,
        Architecture architecture,
        Tokenizer tokenizer,
        String parameters,
        Map<String, Object> provenance) {

    /** What this build implements; a manifest that says otherwise describes weights this forward pass would misread. */
    record Architecture(
            String type,
            Integer vocabSize,
            Integer contextLength,
            Integer dim,
            Integer layers,
            Integer heads,
            Integer ffnHidden,
            String positions,
            String norm,
            String activation,
            Boolean tiedHead,
            Long parameterCount) {}

    /** The byte tokenizer's identity and special ids. */
    record Tokenizer(String type, Integer vocabSize, Integer bos, Integer eos) {}

    private static final String TYPE = "gpt";
    private static final String POSITIONS = "learned";
    private static final String NORM = "layernorm-prenorm";
    private static final String ACTIVATION = "gelu";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // Descriptive fields a later writer may add must not stop this build from reading the weights.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** The manifest of a model of this architecture, with the given provenance. */
    static GptManifest of(GptConfig c, Map<String, Object> provenance) {
        return new GptManifest(
                GptModel.FORMAT,
                GptModel.FORMAT_VERSION,
                new Architecture(
                        TYPE,
                        c.vocabSize(),
                        c.contextLength(),
                        c.dim(),
                        c.layers(),
                        c.heads(),
                        c.ffnHidden(),
                        POSITIONS,
                        NORM,
                        ACTIVATION,
                        true,
                        c.parameterCount()),
                new Tokenizer(ByteTokenizer.TYPE, ByteTokenizer.VOCAB_SIZE, ByteTokenizer.BOS, ByteTokenizer.EOS),
                GptModel.PARAMS,
                new LinkedHashMap<>(provenance));
    }

    void write(Path file) throws IOException {
        MAPPER.writeValue(file.toFile(), this);
    }

    /**
     * Reads and validates a manifest. Format and version are checked first, so a file of another format or version
     * is reported as such rather than as a missing field; every other error names the field and the file.
     */
    static GptManifest read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "small-GPT manifest not found");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || format.isNull()) {
            throw field(file, "format", "is missing");
        }
        if (!GptModel.FORMAT.equals(format.asText())) {
            throw new IOException(file + ": format is " + format + ", expected " + GptModel.FORMAT);
        }
        JsonNode version = root.get("version");
        if (version == null || version.isNull()) {
            throw field(file, "version", "is missing");
        }
        if (!version.isIntegralNumber()) {
            throw field(file, "version", "must be an integer, found " + version);
        }
        if (version.asInt() != GptModel.FORMAT_VERSION) {
            throw new IOException(
                    file + ": unsupported version " + version + " (this build reads " + GptModel.FORMAT_VERSION + ")");
        }
        GptManifest m;
        try {
            m = MAPPER.treeToValue(root, GptManifest.class);
        } catch (JsonMappingException e) {
            throw field(file, path(e), problem(e));
        }
        m.validate(file);
        return m;
    }

    /** The architecture as a config; only valid on a manifest returned by {@link #read} or {@link #of}. */
    GptConfig config() {
        Architecture a = architecture;
        return new GptConfig(a.vocabSize(), a.contextLength(), a.dim(), a.layers(), a.heads(), a.ffnHidden());
    }

    /** The parameter file's name inside the model directory ({@link GptModel#PARAMS} when the field is absent). */
    String parametersFile() {
        return parameters == null ? GptModel.PARAMS : parameters;
    }

    Map<String, Object> provenanceOrEmpty() {
        return provenance == null ? new LinkedHashMap<>() : new LinkedHashMap<>(provenance);
    }

    private void validate(Path file) throws IOException {
        Architecture a = require(file, "architecture", architecture);
        expect(file, "architecture.type", require(file, "architecture.type", a.type()), TYPE);
        require(file, "architecture.vocabSize", a.vocabSize());
        require(file, "architecture.contextLength", a.contextLength());
        require(file, "architecture.dim", a.dim());
        require(file, "architecture.layers", a.layers());
        require(file, "architecture.heads", a.heads());
        require(file, "architecture.ffnHidden", a.ffnHidden());
        expect(file, "architecture.positions", require(file, "architecture.positions", a.positions()), POSITIONS);
        expect(file, "architecture.norm", require(file, "architecture.norm", a.norm()), NORM);
        expect(file, "architecture.activation", require(file, "architecture.activation", a.activation()), ACTIVATION);
        expect(file, "architecture.tiedHead", require(file, "architecture.tiedHead", a.tiedHead()), true);
        GptConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": architecture: " + e.getMessage(), e);
        }
        expect(
                file,
                "architecture.parameterCount",
                require(file, "architecture.parameterCount", a.parameterCount()),
                config.parameterCount());
        Tokenizer t = require(file, "tokenizer", tokenizer);
        expect(file, "tokenizer.type", require(file, "tokenizer.type", t.type()), ByteTokenizer.TYPE);
        expect(
                file,
                "tokenizer.vocabSize",
                require(file, "tokenizer.vocabSize", t.vocabSize()),
                ByteTokenizer.VOCAB_SIZE);
        expect(file, "tokenizer.bos", require(file, "tokenizer.bos", t.bos()), ByteTokenizer.BOS);
        expect(file, "tokenizer.eos", require(file, "tokenizer.eos", t.eos()), ByteTokenizer.EOS);
        if (config.vocabSize() < ByteTokenizer.VOCAB_SIZE) {
            throw field(
                    file,
                    "architecture.vocabSize",
                    "is " + config.vocabSize() + ", fewer rows than the " + ByteTokenizer.VOCAB_SIZE
                            + " ids of the tokenizer");
        }
        if (parameters != null
                && (parameters.isBlank()
                        || Path.of(parameters).getNameCount() != 1
                        || parameters.equals("..")
                        || Path.of(parameters).isAbsolute())) {
            throw field(
                    file, "parameters", "must name a file inside the model directory, found \"" + parameters + "\"");
        }
    }

    private static <T> T require(Path file, String name, T value) throws IOException {
        if (value == null) {
            throw field(file, name, "is missing");
        }
        return value;
    }

    private static void expect(Path file, String name, Object actual, Object expected) throws IOException {
        if (!expected.equals(actual)) {
            throw field(file, name, "is " + actual + ", this build reads only " + expected);
        }
    }

    private static IOException field(Path file, String name, String problem) {
        return new IOException(file + ": field '" + name + "' " + problem);
    }

    /** The dotted path of the field a Jackson error is about, e.g. {@code architecture.dim}. */
    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String problem(JsonMappingException e) {
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "has the wrong type: expected " + describe(mismatch.getTargetType());
        }
        String message = e.getOriginalMessage();
        int cut = message.indexOf('\n');
        return "is invalid: " + (cut < 0 ? message : message.substring(0, cut));
    }

    private static String describe(Class<?> type) {
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return "an object";
    }
}
