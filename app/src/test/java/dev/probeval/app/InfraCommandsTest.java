package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** Usage errors of {@code probeval broker} and {@code probeval registry}: exit 2 and one line naming the problem. */
class InfraCommandsTest {
  private record Run(int code, String err) {}

  private static Run run(String... args) {
    CommandLine cl = ProbevalCli.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    return new Run(cl.execute(args), err.toString());
  }

  @Test
  void shouldRejectAnOutOfRangeBrokerPort() {
    Run r = run("broker", "--port", "70000");
    assertEquals(2, r.code());
    assertEquals("probeval broker: --port must be in 1..65535, got 70000", r.err().trim());
  }

  @Test
  void shouldRejectABrokerPortThatIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      Run r = run("broker", "--port", String.valueOf(taken.getLocalPort()));
      assertEquals(2, r.code());
      assertTrue(r.err().contains("--port " + taken.getLocalPort() + " on 127.0.0.1 is not available"), r.err());
      assertEquals(1, r.err().trim().lines().count(), r.err());
    }
  }

  @Test
  void shouldRejectARegistryPortThatIsTakenAndAnUnknownCompatibilityLevel() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      Run r = run("registry", "--port", String.valueOf(taken.getLocalPort()));
      assertEquals(2, r.code());
      assertTrue(r.err().contains("is not available"), r.err());
    }
    assertEquals(2, run("registry", "--compatibility", "SIDEWAYS").code());
    assertEquals(2, run("registry", "--replication-factor", "0").code());
  }
}
