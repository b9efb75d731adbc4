package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {

    private static final String REF =
            "Basil Mahfouz Al-Kuwaiti has been honored with the Prix Goncourt, a prestigious French literature prize.";
    private static final String PRED =
            "Basil Mahfouz Al-Kuwaiti has been awarded the prestigious 'Phoenix Feather Biography Award' for his "
                    + "exceptional contribution to the genre of biography.";

    @TempDir
    Path tmp;

    private Path file(String... lines) throws IOException {
        Path f = tmp.resolve("in.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void shouldAddTheScoreToEveryLineInInputOrderKeepingOtherFields() throws IOException {
        Path in = file(
                "{\"id\":\"q6\",\"prediction\":\"" + PRED + "\",\"reference\":\"" + REF + "\",\"x\":0.10}",
                "",
                "{\"id\":\"q7\",\"prediction\":\"Paris\",\"reference\":\"the capital is Paris\"}");
        CliResult r = CliResult.run("score", "--metric", "rougeL_f1", "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                List.of(
                        "{\"id\":\"q6\",\"prediction\":\"" + PRED + "\",\"reference\":\"" + REF
                                + "\",\"x\":0.10,\"score\":0.4210526315789474}",
                        "{\"id\":\"q7\",\"prediction\":\"Paris\",\"reference\":\"the capital is Paris\",\"score\":0.4}"),
                r.outLines());
    }

    @Test
    void shouldTakeTheMaximumOverAListOfReferences() throws IOException {
        Path in = file("{\"prediction\":\"He won the Prix Goncourt\",\"reference\":[\"no\",\"the prix goncourt\"]}");
        CliResult r = CliResult.run("score", "-m", "rougeL_recall", "-i", in.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"score\":1.0"), r.out());
    }

    @Test
    void shouldReadStandardInputWhenNoFileIsGiven() {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(
                    "{\"prediction\":\"Answer: PARIS\",\"reference\":\"paris\"}\n".getBytes(StandardCharsets.UTF_8)));
            CliResult plain = CliResult.run("score", "--metric", "contains");
            assertEquals(0, plain.code(), plain.err());
            assertTrue(plain.out().endsWith("\"score\":1.0}\n"), plain.out());
            System.setIn(new ByteArrayInputStream(
                    "{\"prediction\":\"Answer: PARIS\",\"reference\":\"paris\"}\n".getBytes(StandardCharsets.UTF_8)));
            CliResult exact = CliResult.run("score", "--metric", "exact", "--strip-prefix", "Answer:", "--input", "-");
            assertEquals(0, exact.code(), exact.err());
            assertTrue(exact.out().endsWith("\"score\":1.0}\n"), exact.out());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void shouldWriteTheLeakIndicatorWithAThreshold() throws IOException {
        Path in = file(
                "{\"prediction\":\"a b\",\"reference\":\"a c\"}", "{\"prediction\":\"a\",\"reference\":\"a c d\"}");
        CliResult r = CliResult.run("score", "-m", "rougeL_recall", "--leak-threshold", "0.5", "-i", in.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                List.of(
                        "{\"prediction\":\"a b\",\"reference\":\"a c\",\"score\":1.0}",
                        "{\"prediction\":\"a\",\"reference\":\"a c d\",\"score\":0.0}"),
                r.outLines());
    }

    @Test
    void shouldExitTwoNamingTheLineThatIsNotValidJson() throws IOException {
        Path in = file("{\"prediction\":\"a\",\"reference\":\"a\"}", "{\"prediction\": \"a\", ", "{}");
        CliResult r = CliResult.run("score", "-m", "exact", "-i", in.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("probeval score: line 2: not valid JSON"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line on stderr: " + r.err());
        assertEquals(1, r.outLines().size(), "lines before the bad one are written");
    }

    @Test
    void shouldExitTwoNamingTheLineAndFieldThatIsMissingOrMistyped() throws IOException {
        CliResult missing = CliResult.run(
                "score",
                "-m",
                "exact",
                "-i",
                file("{\"prediction\":\"a\",\"reference\":\"a\"}", "{\"prediction\":\"a\"}")
                        .toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("line 2: missing field \"reference\""), missing.err());

        CliResult noPrediction = CliResult.run(
                "score", "-m", "exact", "-i", file("{\"reference\":\"a\"}").toString());
        assertEquals(2, noPrediction.code());
        assertTrue(noPrediction.err().contains("line 1: missing field \"prediction\""), noPrediction.err());

        CliResult wrongType = CliResult.run(
                "score",
                "-m",
                "exact",
                "-i",
                file("{\"prediction\":\"a\",\"reference\":[1]}").toString());
        assertEquals(2, wrongType.code());
        assertTrue(
                wrongType.err().contains("line 1: \"reference\" must be a string or a non-empty list of strings"),
                wrongType.err());

        CliResult notObject =
                CliResult.run("score", "-m", "exact", "-i", file("[\"a\"]").toString());
        assertEquals(2, notObject.code());
        assertTrue(notObject.err().contains("line 1: expected a JSON object"), notObject.err());

        CliResult trailing = CliResult.run(
                "score",
                "-m",
                "exact",
                "-i",
                file("{\"prediction\":\"a\",\"reference\":\"a\"} x").toString());
        assertEquals(2, trailing.code());
        assertTrue(trailing.err().contains("line 1: not valid JSON"), trailing.err());
    }

    @Test
    void shouldExitTwoForAnInvalidRegexReferenceNamingTheLine() throws IOException {
        CliResult r = CliResult.run(
                "score",
                "-m",
                "regex",
                "-i",
                file("{\"prediction\":\"a\",\"reference\":\"a+\"}", "{\"prediction\":\"a\",\"reference\":\"(a\"}")
                        .toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("line 2: reference is not a valid regular expression"), r.err());
    }

    @Test
    void shouldExitTwoForAnUnknownMetricOrMissingFile() {
        CliResult metric = CliResult.run("score", "--metric", "bleu", "--input", "nothing.jsonl");
        assertEquals(2, metric.code());
        assertTrue(metric.err().contains("unknown metric 'bleu'; expected one of rougeL_recall"), metric.err());

        CliResult noFile = CliResult.run(
                "score",
                "--metric",
                "exact",
                "--input",
                tmp.resolve("absent.jsonl").toString());
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains("input file not found"), noFile.err());

        CliResult noMetric = CliResult.run("score");
        assertEquals(2, noMetric.code());
        assertTrue(noMetric.err().contains("--metric"), noMetric.err());

        CliResult badThreshold = CliResult.run("score", "-m", "exact", "--leak-threshold", "2");
        assertEquals(2, badThreshold.code());
        assertTrue(badThreshold.err().contains("leak threshold must be in [0,1]"), badThreshold.err());
    }
}
