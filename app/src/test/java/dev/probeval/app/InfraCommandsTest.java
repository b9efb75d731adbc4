package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Usage errors of {@code probeval broker} and {@code probeval registry}: exit 2 and one line naming the problem. */
class InfraCommandsTest {

    @Test
    void brokerShouldTurnTheBuildersPortRefusalIntoAUsageError() {
        CliResult r = CliResult.run("broker", "--port", "70000");
        assertEquals(2, r.code());
        assertEquals("probeval broker: --port: port must be in 0..65535, got 70000", r.errLine());
        CliResult c = CliResult.run("broker", "--controller-port", "-1");
        assertEquals(2, c.code());
        assertEquals("probeval broker: --controller-port: controller port must be in 0..65535, got -1", c.errLine());
    }

    @Test
    void brokerShouldRejectSharedPortsAndNoPartitions() {
        CliResult same = CliResult.run("broker", "--port", "19092", "--controller-port", "19092");
        assertEquals(2, same.code());
        assertEquals("probeval broker: --controller-port must differ from --port, both are 19092", same.errLine());
        CliResult parts = CliResult.run("broker", "--partitions", "0");
        assertEquals(2, parts.code());
        assertEquals("probeval broker: --partitions: partitions must be >= 1, got 0", parts.errLine());
    }

    @Test
    void shouldRejectABrokerPortThatIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            CliResult r = CliResult.run("broker", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(2, r.code());
            assertTrue(
                    r.errLine().contains("--port " + taken.getLocalPort() + " on 127.0.0.1 is not available"), r.err());
        }
    }

    @Test
    void registryShouldRejectATakenPortAnUnknownLevelAndBuilderRefusals() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            CliResult r = CliResult.run("registry", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(2, r.code());
            assertTrue(r.errLine().contains("is not available"), r.err());
        }
        CliResult level = CliResult.run("registry", "--compatibility", "SIDEWAYS");
        assertEquals(2, level.code());
        assertTrue(level.errLine().contains("--compatibility"), level.err());
        CliResult rf = CliResult.run("registry", "--replication-factor", "0");
        assertEquals(2, rf.code());
        assertEquals("probeval registry: --replication-factor: replication factor must be >= 1, got 0", rf.errLine());
        CliResult topic = CliResult.run("registry", "--topic", " ");
        assertEquals(2, topic.code());
        assertEquals("probeval registry: --topic must not be empty", topic.errLine());
        CliResult schema = CliResult.run("registry", "--max-schema-bytes", "10");
        assertEquals(2, schema.code());
        assertEquals(
                "probeval registry: --max-schema-bytes: max schema bytes must be in 1024..16777216, got 10",
                schema.errLine());
        CliResult subjects = CliResult.run("registry", "--max-subjects", "0");
        assertEquals(2, subjects.code());
        assertEquals(
                "probeval registry: --max-subjects: max subjects must be in 1..1000000, got 0", subjects.errLine());
        CliResult versions = CliResult.run("registry", "--max-versions-per-subject", "0");
        assertEquals(2, versions.code());
        assertEquals(
                "probeval registry: --max-versions-per-subject: max versions per subject must be in 1..100000, "
                        + "got 0",
                versions.errLine());
    }
}
