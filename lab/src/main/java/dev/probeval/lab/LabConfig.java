package dev.probeval.lab;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.model.gpt.GptConfig;
import dev.probeval.model.gpt.GptTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Every hyper-parameter of the lab: the TOFU-mini selection, the GPT architecture, the seed, base training and
 * unlearning settings. Defaults live in {@code dev/probeval/lab/lab-defaults.json}; a user file given by path is
 * merged over them field by field, so it need only name what it changes. Unknown fields are errors. {@code threads} is
 * PyTorch's intra-op thread count while the lab trains: fixed, so the same config and seed give bit-identical
 * checkpoints on the same machine whatever its core count or {@code ai.djl.pytorch.num_threads}.
 */
public record LabConfig(Data data, Model model, long seed, int threads, Train train, Unlearn unlearn) {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    private static final String DEFAULTS = "lab-defaults.json";
    private static final String QUICK = "lab-quick.json";

    /** TOFU-mini: which file (relative to the shared directory unless absolute), how many authors, longest pair. */
    public record Data(String file, int forgetAuthors, int retainAuthors, int maxChars) {
        public Data {
            if (forgetAuthors < 1 || retainAuthors < 1 || maxChars < 1) {
                throw new IllegalArgumentException("lab config: data.forgetAuthors, data.retainAuthors and "
                        + "data.maxChars must be >= 1, got " + forgetAuthors + ", " + retainAuthors + ", " + maxChars);
            }
        }
    }

    /** Byte-level GPT sizes (4x MLP). */
    public record Model(int contextLength, int dim, int layers, int heads) {
        public GptConfig gpt() {
            return GptConfig.byteLevel(contextLength, dim, layers, heads);
        }
    }

    /**
     * Base and retain-only training: AdamW, linear warm-up then {@code schedule} ({@code cosine} to lr/10 or
     * {@code linear} to 0), batch of pairs per step. With {@code targetGreedyRecall} &gt; 0 training stops early, at
     * the first multiple of {@code checkEvery} where the mean greedy ROUGE-L recall of every split the model trains on
     * reaches it; {@code steps} is then the most it trains (and the schedule's length).
     */
    public record Train(
            double learningRate,
            int warmupSteps,
            int steps,
            int batchSize,
            double maxGradNorm,
            String schedule,
            double targetGreedyRecall,
            int checkEvery) {
        public Train {
            checkSchedule("train", schedule);
            if (!(targetGreedyRecall >= 0 && targetGreedyRecall <= 1)) {
                throw new IllegalArgumentException(
                        "lab config: train.targetGreedyRecall must be in [0, 1] (0 = off), got " + targetGreedyRecall);
            }
            if (checkEvery < 1) {
                throw new IllegalArgumentException("lab config: train.checkEvery must be >= 1, got " + checkEvery);
            }
        }
    }

    /** {@code schedule}: warm-up then cosine to lr/10. */
    public static final String COSINE = "cosine";
    /** {@code schedule}: warm-up then linear to 0 (the reference's). */
    public static final String LINEAR = "linear";

    static void checkSchedule(String section, String schedule) {
        if (!COSINE.equals(schedule) && !LINEAR.equals(schedule)) {
            throw new IllegalArgumentException("lab config: " + section + ".schedule must be \"" + COSINE + "\" or \""
                    + LINEAR + "\", got " + quoted(schedule));
        }
    }

    /** The trainer's schedule for a {@code schedule} value. */
    static GptTrainer.Schedule schedule(String schedule) {
        return LINEAR.equals(schedule) ? GptTrainer.Schedule.LINEAR : GptTrainer.Schedule.COSINE;
    }

    /**
     * Unlearning from base (paper-spec §4): methods to run, optimiser settings, a checkpoint every
     * {@code checkpointEvery} steps; GD's retain weight λ, NPO's β and retain weight, and the entropy weights
     * λ_f, λ_r of loss += λ_f·H̄(forget) − λ_r·H̄(retain), and how H̄ is taken: over which positions
     * ({@code entropyPositions}: {@code answer} or {@code all}) and divided by what ({@code entropyNormalisation}:
     * {@code real-positions}, their count, or {@code reference}, rows × {@code entropyPaddedLength}); with
     * {@code termGradNorms} an entropy run logs each term's gradient norm per step (one backward pass per term).
     */
    public record Unlearn(
            List<String> methods,
            double learningRate,
            int warmupSteps,
            int steps,
            int checkpointEvery,
            int batchSize,
            double maxGradNorm,
            double gdRetainWeight,
            double npoBeta,
            double npoRetainWeight,
            double lambdaForget,
            double lambdaRetain,
            String entropyNormalisation,
            String entropyPositions,
            int entropyPaddedLength,
            boolean termGradNorms,
            String schedule) {
        /** {@code entropyNormalisation}: divide by the number of positions summed. */
        public static final String REAL_POSITIONS = "real-positions";
        /** {@code entropyNormalisation}: divide by rows × {@code entropyPaddedLength}, as the reference's padded mean. */
        public static final String REFERENCE = "reference";
        /** {@code entropyPositions}: the answer targets' positions only. */
        public static final String ANSWER = "answer";
        /** {@code entropyPositions}: every real position, question and answer (the reference). */
        public static final String ALL = "all";

        public Unlearn {
            methods = List.copyOf(methods);
            checkSchedule("unlearn", schedule);
            if (!REAL_POSITIONS.equals(entropyNormalisation) && !REFERENCE.equals(entropyNormalisation)) {
                throw new IllegalArgumentException("lab config: unlearn.entropyNormalisation must be \""
                        + REAL_POSITIONS + "\" or \"" + REFERENCE + "\", got " + quoted(entropyNormalisation));
            }
            if (!ANSWER.equals(entropyPositions) && !ALL.equals(entropyPositions)) {
                throw new IllegalArgumentException("lab config: unlearn.entropyPositions must be \"" + ANSWER
                        + "\" or \"" + ALL + "\", got " + quoted(entropyPositions));
            }
            if (entropyPaddedLength < 1) {
                throw new IllegalArgumentException(
                        "lab config: unlearn.entropyPaddedLength must be >= 1, got " + entropyPaddedLength);
            }
        }
    }

    private static String quoted(String s) {
        return s == null ? "nothing" : "\"" + s + "\"";
    }

    public LabConfig {
        if (data == null || model == null || train == null || unlearn == null) {
            throw new IllegalArgumentException("lab config needs data, model, train and unlearn sections");
        }
        if (train.steps() <= train.warmupSteps()
                || unlearn.steps() <= unlearn.warmupSteps()
                || unlearn.checkpointEvery() < 1
                || train.batchSize() < 1
                || unlearn.batchSize() < 1) {
            throw new IllegalArgumentException(
                    "lab config: need steps > warmupSteps, checkpointEvery >= 1, " + "batch sizes >= 1");
        }
        if (data.maxChars() >= model.contextLength()) {
            throw new IllegalArgumentException("lab config: data.maxChars (" + data.maxChars()
                    + ") must be < model.contextLength (" + model.contextLength()
                    + "): a pair's BOS + bytes + EOS must fit the context");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("lab config: threads must be >= 1, got " + threads);
        }
        for (String m : unlearn.methods()) {
            Method.parse(m);
        }
        if (!(unlearn.npoBeta() > 0)) {
            throw new IllegalArgumentException("lab config: npoBeta must be > 0, got " + unlearn.npoBeta());
        }
    }

    /** The built-in defaults. */
    public static LabConfig defaults() {
        try {
            return JSON.treeToValue(defaultsTree(), LabConfig.class);
        } catch (IOException e) {
            throw new IllegalStateException("built-in " + DEFAULTS + " is invalid", e);
        }
    }

    /**
     * The quick lab's overrides ({@code lab-quick.json}, merged over the defaults): a GPT small enough to train in
     * seconds on a few short pairs of one forget and one retain author, GA only; {@code demo --quick} uses it.
     */
    public static String quickJson() {
        try (InputStream in = LabConfig.class.getResourceAsStream(QUICK)) {
            if (in == null) {
                throw new IllegalStateException("resource " + QUICK + " missing from the lab jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in " + QUICK, e);
        }
    }

    /** The defaults with {@link #quickJson} merged over them. */
    public static LabConfig quick() {
        try {
            ObjectNode merged = defaultsTree();
            merge(merged, (ObjectNode) JSON.readTree(quickJson()));
            return JSON.treeToValue(merged, LabConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("built-in " + QUICK + " is invalid: " + e.getMessage(), e);
        }
    }

    /** Defaults with the file at {@code path} merged over them; errors name the file. */
    public static LabConfig load(Path path) throws IOException {
        if (path == null) {
            return defaults();
        }
        JsonNode user;
        try {
            user = JSON.readTree(Files.readString(path));
        } catch (IOException e) {
            throw new IOException(path + ": cannot read lab config: " + e.getMessage(), e);
        }
        if (user == null || !user.isObject()) {
            throw new IOException(path + ": lab config must be a JSON object");
        }
        ObjectNode merged = defaultsTree();
        merge(merged, (ObjectNode) user);
        try {
            return JSON.treeToValue(merged, LabConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(path + ": invalid lab config: " + e.getMessage(), e);
        }
    }

    /** This config as a JSON-ready map (for manifests). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> toMap() {
        return JSON.convertValue(this, Map.class);
    }

    private static ObjectNode defaultsTree() {
        try (InputStream in = LabConfig.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULTS + " missing from the lab jar");
            }
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in " + DEFAULTS, e);
        }
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        Iterator<Map.Entry<String, JsonNode>> it = from.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = into.get(e.getKey());
            if (cur instanceof ObjectNode c && e.getValue() instanceof ObjectNode v) {
                merge(c, v);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }
}
