package dev.probeval.core.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Parity oracle: the TOFU evaluation logs in {@code ../shared/data/tofu} carry {@code rougeL_recall} and {@code
 * rouge1_recall} computed by the reference {@code rouge_score} library as {@code scorer.score(reference, generated)}
 * with {@code use_stemmer=True}. Every pair must be reproduced to 1e-12.
 */
class TofuRougeParityTest {

    private static final double TOLERANCE = 1e-12;
    private static final int EXPECTED_PAIRS = 5816;

    @Test
    void shouldReproduceEveryRougeRecallOfTheReferenceLibraryOnTofuLogs() throws IOException {
        Path dir = SharedDir.require("data/tofu");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .sorted()
                    .toList();
        }
        Scorer rougeL = Scorers.create("rougeL_recall");
        Scorer rouge1 = Scorers.create("rouge1_recall");
        ObjectMapper json = new ObjectMapper();
        List<String> mismatches = new ArrayList<>();
        int pairs = 0;
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String where = file.getFileName() + ":" + (i + 1);
                JsonNode rec = json.readTree(lines.get(i));
                String generated = rec.path("generated").asText(null);
                String reference = rec.path("reference").asText(null);
                if (generated == null
                        || reference == null
                        || !rec.path("rougeL_recall").isNumber()
                        || !rec.path("rouge1_recall").isNumber()) {
                    mismatches.add(where + ": cannot check, a field is missing or not of the expected type");
                    continue;
                }
                pairs++;
                check(
                        where,
                        "rougeL_recall",
                        rec.get("rougeL_recall").doubleValue(),
                        rougeL.score(generated, reference),
                        mismatches);
                check(
                        where,
                        "rouge1_recall",
                        rec.get("rouge1_recall").doubleValue(),
                        rouge1.score(generated, reference),
                        mismatches);
            }
        }
        assertTrue(
                mismatches.isEmpty(),
                mismatches.size() + " of " + pairs + " pairs differ:\n" + String.join("\n", mismatches));
        assertEquals(EXPECTED_PAIRS, pairs, "number of (generated, reference) pairs in " + dir);
    }

    private static void check(String where, String metric, double expected, double actual, List<String> out) {
        if (!(Math.abs(expected - actual) <= TOLERANCE)) {
            out.add(where + " " + metric + ": reference library " + expected + ", ours " + actual);
        }
    }
}
