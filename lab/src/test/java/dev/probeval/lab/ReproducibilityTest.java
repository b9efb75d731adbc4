package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.model.backend.PyTorchThreads;
import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same config and seed give bit-identical checkpoints: a tiny lab (base, retain-only, and GD with the entropy
 * term, whose steps use the shuffling RNG, the retain pairing RNG and both forward passes) is trained twice into two
 * caches, the second time with PyTorch's thread count of the process changed first, and the SHA-256 of every named
 * parameter's float bits, the loss curves and the per-step components must agree exactly.
 */
class ReproducibilityTest {
    static final String TINY = "{\"threads\":1,\"model\":{\"contextLength\":46,\"dim\":32,\"layers\":1,\"heads\":2},"
            + "\"data\":{\"maxChars\":45},"
            + "\"train\":{\"learningRate\":0.01,\"warmupSteps\":1,\"steps\":6,\"batchSize\":3,\"targetGreedyRecall\":0},"
            + "\"unlearn\":{\"methods\":[\"gd\"],\"steps\":4,\"checkpointEvery\":2,\"batchSize\":2}}";

    @TempDir
    Path tmp;

    @Test
    void theSameConfigAndSeedShouldGiveBitIdenticalCheckpoints() throws IOException {
        Path c = tmp.resolve("tiny.json");
        Files.writeString(c, TINY);
        LabConfig cfg = LabConfig.load(c);
        List<QaPair> all = new ArrayList<>();
        String[] names = {"Ana", "Bo", "Cy", "Di"};
        for (int i = 0; i < names.length; i++) {
            all.add(new QaPair("forget", i, "Who is " + names[i] + "?", names[i] + " is a poet."));
            all.add(new QaPair("retain", i, "Where is " + names[i] + "?", "In Oslo " + i + "."));
        }
        DataSplit split = DataSplit.select(all, 1, 1, 45);
        int before = PyTorchThreads.intraOp();
        try {
            PyTorchThreads.setIntraOp(1);
            Map<String, String> first = run(cfg, split, tmp.resolve("a"));
            PyTorchThreads.setIntraOp(3);
            Map<String, String> second = run(cfg, split, tmp.resolve("b"));
            assertEquals(3, PyTorchThreads.intraOp(), "the lab restores the thread count it found");
            assertEquals(List.of("base", "gd+ent-s2", "gd+ent-s4", "retain-only"), List.copyOf(first.keySet()));
            assertEquals(first, second);
        } finally {
            PyTorchThreads.setIntraOp(before);
        }
    }

    /** Trains base, retain-only and gd+ent into {@code cache}; fingerprint of every version. */
    private static Map<String, String> run(LabConfig cfg, DataSplit split, Path cache) throws IOException {
        ModelStore store = new ModelStore(cache);
        Lab lab = new Lab(cfg, split, store, new PrintWriter(new StringWriter()));
        lab.trainBaseModels(false);
        lab.unlearn(Method.GD, true, false);
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : store.versions()) {
            out.put(v, fingerprint(store.dir(v)));
        }
        return out;
    }

    /** SHA-256 per named parameter (its float bits), then the loss curve and per-step components of the manifest. */
    static String fingerprint(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (GptModel m = GptModel.load(dir, Device.cpu())) {
            m.namedArrays().forEach((name, a) -> {
                float[] v = a.toFloatArray();
                ByteBuffer bb = ByteBuffer.allocate(4 * v.length);
                for (float f : v) {
                    bb.putInt(Float.floatToRawIntBits(f));
                }
                sb.append(name).append('=').append(sha256(bb.array())).append('\n');
            });
        }
        JsonNode lab = new ObjectMapper()
                .readTree(dir.resolve(GptModel.MANIFEST).toFile())
                .get("provenance")
                .get("lab");
        assertTrue(lab.get("lossCurve").size() > 0, dir.toString());
        sb.append("lossCurve=").append(lab.get("lossCurve")).append('\n');
        if (lab.has("components")) {
            sb.append("components=").append(lab.get("components")).append('\n');
        }
        return sb.toString();
    }

    private static String parameters(String fingerprint) {
        return fingerprint.substring(0, fingerprint.indexOf("lossCurve="));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
