package dev.probeval.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.text.TofuPrompts;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a TOFU evaluation log ({@code ../shared/data/tofu/*.jsonl}: one JSON object per line with {@code split},
 * {@code idx}, {@code question}, {@code reference}) into question/answer pairs. Only {@code forget} and
 * {@code retain} lines are kept; every problem (bad JSON, missing or empty field) fails with the file and the line.
 */
final class TofuData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TofuData() {}

    /** The forget and retain pairs of {@code file}, in file order. */
    static List<QaPair> load(Path file) throws IOException {
        List<QaPair> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw bad(file, no, "not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (node == null || !node.isObject()) {
                    throw bad(file, no, "expected a JSON object");
                }
                String split = text(file, no, node, "split");
                if (!split.equals("forget") && !split.equals("retain")) {
                    continue;
                }
                JsonNode idx = node.get("idx");
                if (idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber() || idx.intValue() < 0) {
                    throw bad(file, no, "field 'idx' must be a non-negative integer");
                }
                String question = TofuPrompts.stripChatMarkup(text(file, no, node, "question"));
                if (question.isEmpty()) {
                    throw bad(file, no, "field 'question' is empty after removing the chat markup");
                }
                String answer = text(file, no, node, "reference").strip();
                if (answer.isEmpty()) {
                    throw bad(file, no, "field 'reference' (the answer) is empty");
                }
                out.add(new QaPair(split, idx.intValue(), question, answer));
            }
        }
        return out;
    }

    private static String text(Path file, int line, JsonNode node, String field) throws IOException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw bad(file, line, "missing field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw bad(file, line, "field '" + field + "' must be a string");
        }
        if (v.asText().isBlank()) {
            throw bad(file, line, "field '" + field + "' is empty");
        }
        return v.asText();
    }

    private static IOException bad(Path file, int line, String what) {
        return new IOException(file + ":" + line + ": " + what);
    }
}
