package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.testsupport.SharedDir;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SampleCommandTest {
  record Result(int code, String out, String err) {
    List<JsonNode> lines() throws Exception {
      List<JsonNode> l = new ArrayList<>();
      for (String s : out.split("\n")) {
        if (!s.isBlank()) {
          l.add(new ObjectMapper().readTree(s));
        }
      }
      return l;
    }
  }

  static Result run(String... args) {
    CommandLine cl = ProbevalCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static Path shared(String rel) {
    return SharedDir.require(rel);
  }

  @Test
  void shouldPrintTheGreedyBaselineThenOneJsonLinePerSample() throws Exception {
    Result r = run("sample", "--model", shared("models/stories260K/stories260K.bin").toString(), "--tokenizer",
        shared("models/stories260K/tok512.bin").toString(), "--prompt", "Tim and his dog", "-n", "3",
        "--top-p", "0.9", "--max-new-tokens", "20", "--seed", "5");
    assertEquals(0, r.code(), r.err());
    List<JsonNode> lines = r.lines();
    assertEquals(4, lines.size());
    assertEquals("GREEDY", lines.get(0).get("kind").asText());
    assertEquals(-1, lines.get(0).get("index").asInt());
    assertTrue(lines.get(0).get("text").asText().startsWith(", Max, went to the park"));
    for (int i = 1; i < 4; i++) {
      JsonNode l = lines.get(i);
      assertEquals(i - 1, l.get("index").asInt());
      assertEquals("SAMPLED", l.get("kind").asText());
      assertTrue(l.get("tokens").asInt() >= 1 && l.get("tokens").asInt() <= 20);
      assertTrue(List.of("EOS", "LENGTH", "STOP").contains(l.get("finish").asText()));
      assertTrue(l.get("logprob").asDouble() <= 0);
      assertTrue(l.get("adaptive") == null);
    }
    // Same seed, same output.
    assertEquals(r.out(), run("sample", "--model", shared("models/stories260K/stories260K.bin").toString(),
        "--tokenizer", shared("models/stories260K/tok512.bin").toString(), "--prompt", "Tim and his dog", "-n", "3",
        "--top-p", "0.9", "--max-new-tokens", "20", "--seed", "5").out());
  }

  @Test
  void greedyFlagShouldPrintOnlyTheBaselineAndAdaptiveStatsShouldBeReported() throws Exception {
    Result g = run("sample", "--model", shared("models/stories260K/stories260K.bin").toString(), "--tokenizer",
        shared("models/stories260K/tok512.bin").toString(), "--prompt", "Mom said", "--greedy",
        "--max-new-tokens", "8");
    assertEquals(0, g.code(), g.err());
    assertEquals(1, g.lines().size());
    assertEquals("GREEDY", g.lines().get(0).get("kind").asText());
    Result a = run("sample", "--model", shared("models/stories260K/stories260K.bin").toString(), "--tokenizer",
        shared("models/stories260K/tok512.bin").toString(), "--prompt", "Mom said", "-n", "2",
        "--adaptive-temperature", "0.9", "--max-new-tokens", "8");
    assertEquals(0, a.code(), a.err());
    JsonNode ad = a.lines().get(1).get("adaptive");
    assertEquals(0.9, ad.get("threshold").asDouble());
    assertEquals("RUNNING_MEAN", ad.get("statistic").asText());
    assertEquals(a.lines().get(1).get("tokens").asInt(), ad.get("greedySteps").asInt() + ad.get("sampledSteps").asInt());
  }

  @Test
  void badInputShouldExitTwoWithOneLine() {
    String bin = SharedDir.file("models/stories260K/stories260K.bin").map(Path::toString).orElse("missing.bin");
    String[][] cases = {
      {"sample", "--model", "/no/such/model.bin", "--prompt", "x"},
      {"sample", "--model", bin, "--tokenizer", "/no/such/tok.bin", "--prompt", "x"},
      {"sample", "--model", bin, "--prompt", "x", "-n", "0"},
      {"sample", "--model", bin, "--prompt", "x", "--top-p", "0"},
      {"sample", "--model", bin, "--prompt", "x", "--top-p", "1.5"},
      {"sample", "--model", bin, "--prompt", "x", "--temperature", "-0.1"},
    };
    for (String[] c : cases) {
      Result r = run(c);
      assertEquals(2, r.code(), String.join(" ", c) + " -> " + r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().startsWith("probeval sample: "), r.err());
    }
  }
}
