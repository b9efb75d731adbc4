package dev.probeval.app;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.scoring.Scorer;
import dev.probeval.core.scoring.ScorerSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval score}: scores JSON lines ({@code prediction}, {@code reference} as a string or a list of strings)
 * with one metric and writes each line back with a {@code score} field added, in input order.
 */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        description = {
            "Score predictions against references, one JSON object per line.",
            "Each input line needs \"prediction\" (string) and \"reference\" (string, or list of strings: the maximum over "
                    + "them is taken). The line is written back with a \"score\" field added, in input order; blank lines are "
                    + "skipped. A line that is not a JSON object or lacks a field stops the run with exit code 2 naming the "
                    + "line.",
            "ROUGE follows rouge_score with use_stemmer=True: rougeL_recall is TOFU's convention, rougeL_f1 the paper's "
                    + "released demo."
        })
final class ScoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = {"--metric", "-m"},
            required = true,
            paramLabel = "METRIC",
            description =
                    "One of: rougeL_recall, rougeL_precision, rougeL_f1, rouge1_recall, rouge1_precision, rouge1_f1, "
                            + "exact, contains, regex (the reference is an RE2 regular expression: no backreferences or lookaround).")
    String metric;

    @Option(
            names = {"--input", "-i"},
            paramLabel = "FILE",
            description = "JSON-lines input (UTF-8); standard input when absent or '-'.")
    String input;

    @Option(
            names = "--strip-prefix",
            paramLabel = "PREFIX",
            description = "Answer tag to remove from the start of each prediction before scoring, e.g. 'Answer:' "
                    + "(case ignored; repeatable; the first that matches is removed once).")
    List<String> stripPrefixes = new ArrayList<>();

    @Option(
            names = "--leak-threshold",
            paramLabel = "TAU",
            description = "Write 1 if the score is >= TAU and 0 otherwise (the binary leak indicator for M_bin).")
    Double leakThreshold;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Keep other fields' numbers exactly as written.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    @Override
    public Integer call() throws IOException {
        Scorer scorer;
        try {
            scorer = new ScorerSpec(metric, leakThreshold, stripPrefixes).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        try (BufferedReader in = openInput()) {
            int lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                out.print(scoreLine(scorer, line, lineNo));
                out.print('\n');
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    private BufferedReader openInput() {
        if (input == null || input.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("input file not found: " + input);
        } catch (IOException e) {
            throw new UsageException("cannot read input file " + input + ": " + e.getMessage());
        }
    }

    private static String scoreLine(Scorer scorer, String line, int lineNo) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new UsageException("line " + lineNo + ": not valid JSON: " + oneLine(e.getOriginalMessage()));
        }
        if (!(node instanceof ObjectNode record)) {
            throw new UsageException("line " + lineNo + ": expected a JSON object, got " + node.getNodeType());
        }
        JsonNode prediction = record.get("prediction");
        if (prediction == null || !prediction.isTextual()) {
            throw new UsageException("line " + lineNo + ": "
                    + (prediction == null ? "missing field \"prediction\"" : "\"prediction\" must be a string"));
        }
        List<String> references = references(record.get("reference"), lineNo);
        double score;
        try {
            score = scorer.score(prediction.textValue(), references);
        } catch (IllegalArgumentException e) {
            throw new UsageException("line " + lineNo + ": " + oneLine(e.getMessage()));
        }
        record.put("score", score);
        return JSON.writeValueAsString(record);
    }

    private static List<String> references(JsonNode reference, int lineNo) {
        if (reference == null) {
            throw new UsageException("line " + lineNo + ": missing field \"reference\"");
        }
        if (reference.isTextual()) {
            return List.of(reference.textValue());
        }
        if (reference.isArray() && !reference.isEmpty()) {
            List<String> refs = new ArrayList<>(reference.size());
            for (JsonNode r : reference) {
                if (!r.isTextual()) {
                    refs = null;
                    break;
                }
                refs.add(r.textValue());
            }
            if (refs != null) {
                return refs;
            }
        }
        throw new UsageException("line " + lineNo + ": \"reference\" must be a string or a non-empty list of strings");
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
