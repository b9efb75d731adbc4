package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.StoppingDecide;
import dev.probeval.avro.StoppingMetric;
import dev.probeval.avro.StoppingRule;
import dev.probeval.producer.EvalRequestPublisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code probeval produce} on a MockProducer: what is sent, line-numbered errors, exit codes 0 / 1 / 2. */
class ProduceCommandTest {
    @TempDir
    Path tmp;

    private final MockProducer<String, EvalRequest> mock =
            new MockProducer<>(true, null, new StringSerializer(), (t, r) -> new byte[0]);

    private CliResult run(MockProducer<String, EvalRequest> producer, String... args) {
        ProduceCommand c = new ProduceCommand();
        c.publisher = () -> new EvalRequestPublisher(producer, "probeval.eval-requests.v1");
        return CliResult.run(CliResult.with(ProduceCommand.class, c), args);
    }

    private Path file(String text) throws IOException {
        Path f = tmp.resolve("suite.jsonl");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void sendsOneRequestPerLineAndVersionAndPrintsTheIds() throws IOException {
        Path f = file("{\"promptId\":\"a\",\"prompt\":\"p\",\"reference\":\"r\"}\n"
                + "{\"split\":\"forget\",\"idx\":4,\"question\":\"Who?\",\"answer\":\"Ana\"}\n");
        CliResult r = run(mock, "produce", "--model-version", "v1,v2", "-n", "8", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(4, mock.history().size());
        assertEquals(mock.history().stream().map(x -> x.key()).toList(), r.outLines());
        EvalRequest tofu = mock.history().get(2).value();
        assertEquals("Question: Who?\nAnswer: ", tofu.getPrompt());
        assertEquals("forget", tofu.getSplit());
        assertEquals(8, tofu.getNumSamples());
        CliResult again = run(
                new MockProducer<>(true, null, new StringSerializer(), (t, x) -> new byte[0]),
                "produce",
                "--model-version",
                "v1,v2",
                "-n",
                "8",
                f.toString());
        assertEquals(r.outLines(), again.outLines(), "re-submitting gives the same ids");
    }

    @Test
    void setsAStoppingRuleOnlyInAnytimeMode() throws IOException {
        Path f = file("{\"promptId\":\"a\",\"prompt\":\"p\",\"reference\":\"r\"}\n");
        CliResult r = run(
                mock,
                "produce",
                "--model-version",
                "v1",
                "-n",
                "512",
                "--mode",
                "anytime",
                "--stop-metric",
                "m_bin",
                "--stop-threshold",
                "0.05",
                "--stop-min-samples",
                "16",
                f.toString());
        assertEquals(0, r.code(), r.err());
        StoppingRule rule = mock.history().get(0).value().getStoppingRule();
        assertEquals(StoppingMetric.M_BIN, rule.getMetric());
        assertEquals(0.05, rule.getThreshold());
        assertEquals(StoppingDecide.EITHER, rule.getDecide());
        assertEquals(16, rule.getMinSamples());
        CliResult plain = run(
                new MockProducer<>(true, null, new StringSerializer(), (t, x) -> new byte[0]),
                "produce",
                "--model-version",
                "v1",
                "-n",
                "512",
                "--mode",
                "anytime",
                f.toString());
        assertTrue(!plain.outLines().equals(r.outLines()), "a rule changes the request id");
        CliResult sound = run(
                mock,
                "produce",
                "--model-version",
                "v1",
                "--stop-metric",
                "m_bin",
                "--stop-threshold",
                "0.05",
                f.toString());
        assertEquals(2, sound.code());
        assertTrue(sound.err().contains("voids its guarantee"), sound.err());
        assertEquals(
                2,
                run(
                                mock,
                                "produce",
                                "--model-version",
                                "v1",
                                "--mode",
                                "anytime",
                                "--stop-metric",
                                "m_x",
                                "--stop-threshold",
                                "0.05",
                                f.toString())
                        .code());
        assertEquals(
                2,
                run(
                                mock,
                                "produce",
                                "--model-version",
                                "v1",
                                "--mode",
                                "anytime",
                                "--stop-metric",
                                "m_gen",
                                "--stop-threshold",
                                "0.05",
                                f.toString())
                        .code(),
                "m_gen needs --stop-at");
        assertEquals(
                2,
                run(mock, "produce", "--model-version", "v1", "--stop-threshold", "0.05", f.toString())
                        .code());
        assertEquals(1, mock.history().size());
    }

    @Test
    void anInvalidLineIsReportedByNumberAndNothingIsSent() throws IOException {
        Path f = file("{\"prompt\":\"p\",\"reference\":\"r\"}\n{\"prompt\":\"p\"}\n{oops\n");
        CliResult r = run(mock, "produce", "--model-version", "v1", f.toString());
        assertEquals(2, r.code());
        assertEquals(0, mock.history().size(), "nothing half-sent");
        assertTrue(r.err().contains(f + ":2: MISSING_REFERENCES"), r.err());
        assertTrue(r.err().contains(f + ":3: not valid JSON"), r.err());
        assertTrue(r.err().contains("2 invalid line(s); nothing sent"), r.err());
    }

    @Test
    void hostileFieldsAreRefusedByLineWithTheContractsCodeInBoundedLines() throws IOException {
        String huge = "s".repeat(700_000);
        Path f = file("{\"prompt\":\"p\",\"reference\":\"r\",\"suite\":\"" + huge + "\"}\n"
                + "{\"prompt\":\"p\",\"reference\":\"r\",\"split\":\"for\\u0000get\"}\n"
                + "{\"prompt\":\"p\",\"reference\":\"(a)\\\\1\"}\n"
                + "{\"prompt\":\"" + "p".repeat(5_000_000) + "\"}\n");
        CliResult r = run(mock, "produce", "--model-version", "v1", "--metric", "regex", f.toString());
        assertEquals(2, r.code());
        assertEquals(0, mock.history().size());
        assertTrue(r.err().contains(f + ":1: FIELD_TOO_LONG: suite"), r.err());
        assertTrue(r.err().contains(f + ":2: INVALID_CHARACTER: split"), r.err());
        assertTrue(r.err().contains(f + ":3: INVALID_REFERENCE"), r.err());
        assertTrue(r.err().contains(f + ":4: line is longer than"), r.err());
        for (String line : r.err().split("\n")) {
            assertTrue(line.length() < 1000, "a bounded line: " + line.length());
            assertTrue(line.chars().noneMatch(c -> c == 0), "no raw NUL on the terminal");
        }
    }

    @Test
    void theMetricHelpListsWhatTheContractAccepts() {
        CliResult help = run(mock, "produce", "--help");
        for (String m : dev.probeval.core.scoring.Scorers.metricNames()) {
            assertTrue(help.out().contains(m), m + " in: " + help.out());
        }
    }

    @Test
    void skipInvalidSendsTheValidLinesAndCountsTheOthers() throws IOException {
        Path f = file("{\"prompt\":\"p\",\"reference\":\"r\"}\n{\"prompt\":\"p\",\"reference\":\"r\",\"alpha\":2}\n");
        Path ids = tmp.resolve("ids.txt");
        CliResult r = run(
                mock, "produce", "--model-version", "v1", "--skip-invalid", "--output", ids.toString(), f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(1, mock.history().size());
        assertEquals(List.of(mock.history().get(0).key()), Files.readAllLines(ids));
        assertTrue(r.err().contains("skipped 1 invalid line(s)"), r.err());
    }

    @Test
    void badOptionsAreUsageErrorsAndAFailedSendIsExitOne() throws IOException {
        Path f = file("{\"prompt\":\"p\",\"reference\":\"r\"}\n");
        assertEquals(
                2,
                run(mock, "produce", "--mode", "fast", "--model-version", "v", f.toString())
                        .code());
        assertEquals(
                2,
                run(
                                mock,
                                "produce",
                                "--model-version",
                                "v",
                                tmp.resolve("missing").toString())
                        .code());
        assertEquals(
                2,
                run(mock, "produce", "--model-version", "v", "--alpha", "0.7", f.toString())
                        .code());
        MockProducer<String, EvalRequest> failing =
                new MockProducer<>(false, null, new StringSerializer(), (t, x) -> new byte[0]) {
                    @Override
                    public synchronized void flush() {
                        errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker"));
                    }
                };
        CliResult r = run(failing, "produce", "--model-version", "v", f.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.errLine().contains("no broker"), r.err());
    }
}
