package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Usage errors of {@code probeval aggregate}: exit 2 and one line naming the problem; --help lists the API. */
class AggregateCommandTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = ProbevalCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(out));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void shouldRejectAnOutOfRangeHttpPort() {
    Run r = run("aggregate", "--http-port", "70000");
    assertEquals(2, r.code());
    assertEquals("probeval aggregate: --http-port must be in 0..65535, got 70000", r.err().trim());
  }

  @Test
  void shouldRejectNegativeEmissionSettingsAndANonHttpRegistry() {
    assertEquals(2, run("aggregate", "--emit-every", "-1").code());
    Run r = run("aggregate", "--schema-registry-url", "mock://x");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--schema-registry-url must be an http(s) URL"), r.err());
  }

  @Test
  void shouldDescribeTheRestApiInHelp() {
    Run r = run("aggregate", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("/api/v1/models/{version}/bounds"), r.out());
    assertTrue(r.out().contains("--bootstrap-servers"), r.out());
  }
}
