package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Usage errors of {@code probeval worker}: exit 2 and one line naming the problem, before any connection. */
class WorkerCommandTest {
  private record Run(int code, String out, String err) {}

  @TempDir Path dir;

  private static Run run(String... args) {
    CommandLine cl = ProbevalCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(out));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  private Path model() throws IOException {
    Path m = dir.resolve("m.bin");
    Files.writeString(m, "x");
    Files.writeString(dir.resolve("tok.bin"), "x");
    return m;
  }

  @Test
  void shouldRequireAModel() {
    Run r = run("worker");
    assertEquals(2, r.code());
    assertEquals("probeval worker: no model configured: pass --model VERSION=PATH[,tokenizer=PATH] or --models-file",
        r.err().trim());
  }

  @Test
  void shouldNameAMissingModelOrTokenizerPath() throws IOException {
    Run r = run("worker", "--model", "v1=" + dir.resolve("nope.bin"));
    assertEquals(2, r.code());
    assertEquals("probeval worker: model v1: " + dir.resolve("nope.bin") + " not found", r.err().trim());
    Run t = run("worker", "--model", "v1=" + model() + ",tokenizer=" + dir.resolve("t.bin"));
    assertEquals(2, t.code());
    assertTrue(t.err().contains("tokenizer " + dir.resolve("t.bin") + " not found"), t.err());
  }

  @Test
  void shouldRejectMalformedEntriesDuplicatesAndBadNumbers() throws IOException {
    Path m = model();
    Run bad = run("worker", "--model", "just-a-path");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("must read VERSION=PATH"), bad.err());
    Run dup = run("worker", "--model", "v=" + m, "--model", "v=" + m);
    assertEquals(2, dup.code());
    assertTrue(dup.err().contains("configured twice"), dup.err());
    Run chunk = run("worker", "--model", "v=" + m, "--chunk-size", "0");
    assertEquals(2, chunk.code());
    assertEquals("probeval worker: --chunk-size must be >= 1, got 0", chunk.err().trim());
    assertEquals(2, run("worker", "--model", "v=" + m, "--metrics-port", "70000").code());
    assertEquals(2, run("worker", "--model", "v=" + m, "--worker-id", "has space").code());
    assertEquals(2, run("worker", "--model", "v=" + m, "--schema-registry-url", "mock://x").code());
  }

  @Test
  void modelsFileErrorsShouldNameTheLine() throws IOException {
    Path f = dir.resolve("models.conf");
    Files.writeString(f, "# ok\nv1=" + model() + "\nbroken\n");
    Run r = run("worker", "--models-file", f.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("line 3"), r.err());
    assertEquals(2, run("worker", "--models-file", dir.resolve("missing.conf").toString()).code());
  }

  @Test
  void helpShouldExplainModelsAndScaling() {
    Run r = run("worker", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--model=VERSION=PATH[,tokenizer=PATH]"), r.out());
    assertTrue(r.out().contains("--chunk-size") && r.out().contains("--worker-id")
        && r.out().contains("--metrics-port"), r.out());
  }
}
