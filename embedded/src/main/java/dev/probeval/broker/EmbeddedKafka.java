package dev.probeval.broker;

import dev.probeval.http.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka cluster (one combined KRaft broker and controller) in this JVM, started through Kafka's public
 * entry points: {@code StorageTool format} (what {@code kafka-storage.sh format} runs), then {@link KafkaRaftServer}
 * (what {@code kafka-server-start.sh} runs). The data directory persists: starting again on it keeps topics, records
 * and committed offsets. Sized for one node: every replication factor and min ISR is 1 (so transactions and
 * exactly-once work), the log cleaner's dedupe buffer is 2 MiB instead of 128 MiB of heap, and the first consumer-group
 * rebalance is not delayed.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {   // temp dir, ephemeral port
 *   String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final KafkaRaftServer server;
    private volatile boolean closed;

    /** A port setting meaning "pick a free one" (the default of both ports). */
    public static final int ANY_PORT = 0;

    /** Builder; every setting is optional. */
    public static final class Builder {
        private Path dataDir;
        private String host = "127.0.0.1";
        private int port;
        private int controllerPort;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        /** Persistent data directory (created if missing). Default: a temp directory deleted on {@link #close()}. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Interface to bind and advertise (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = HostPort.requireHost(host, "host");
            return this;
        }

        /** Client port; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = HostPort.requirePort(port, "port");
            return this;
        }

        /** Controller port; 0 (default) picks a free one. */
        public Builder controllerPort(int port) {
            this.controllerPort = HostPort.requirePort(port, "controller port");
            return this;
        }

        /** Overrides or adds one broker setting (for example {@code num.partitions}). */
        public Builder brokerConfig(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** Formats the data directory if it is new and starts the node; returns once it accepts requests. */
        public EmbeddedKafka build() {
            boolean temp = dataDir == null;
            Path dir;
            try {
                dir = temp ? Files.createTempDirectory("probeval-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot create the broker data directory " + dataDir + ": " + e.getMessage(), e);
            }
            // Freshly picked ports can be taken by someone else before the broker binds them: retry with new ones.
            int attempts = port == 0 || controllerPort == 0 ? 3 : 1;
            for (int attempt = 1; ; attempt++) {
                try {
                    return new EmbeddedKafka(dir, temp, host, port, controllerPort, overrides);
                } catch (RuntimeException e) {
                    if (attempt >= attempts || !isBindFailure(e)) {
                        if (temp) {
                            deleteRecursively(dir);
                        }
                        throw e;
                    }
                    LOG.warn(
                            "Port taken while starting the embedded broker, retrying with new ports: {}", e.toString());
                }
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private EmbeddedKafka(
            Path dataDir,
            boolean deleteOnClose,
            String host,
            int requestedPort,
            int requestedControllerPort,
            Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.host = host;
        this.port = requestedPort == 0 ? freePort(host) : requestedPort;
        int cp = requestedControllerPort == 0 ? freePort(host) : requestedControllerPort;
        while (cp == port) {
            cp = freePort(host);
        }
        this.controllerPort = cp;

        Properties props = brokerProperties(dataDir, host, port, controllerPort);
        overrides.forEach(props::setProperty);
        Path propsFile = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            props.store(out, "probeval embedded broker (rewritten on every start)");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + propsFile + ": " + e.getMessage(), e);
        }
        this.clusterId = format(dataDir, propsFile);

        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            s.startup();
            awaitReady();
        } catch (RuntimeException e) {
            shutdownQuietly(s);
            throw e;
        }
        this.server = s;
        LOG.info("Embedded Kafka {} listening on {} (data in {})", clusterId, bootstrapServers(), dataDir);
    }

    /** The broker settings for a single combined node; {@link Builder#brokerConfig} overrides any of them. */
    static Properties brokerProperties(Path dataDir, String host, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("logs").toAbsolutePath().toString());
        // probeval creates its topics explicitly; a typo must fail, not create a topic.
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        // One node: every internal topic with replication factor 1 and min ISR 1, so transactions (exactly-once) work.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "5");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // The cleaner's default 128 MiB dedupe buffer is heap this JVM also needs for Streams and the models.
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    /** Formats the log directory unless it already is; returns the cluster id stored there. */
    private static String format(Path dataDir, Path propsFile) {
        Path meta = dataDir.resolve("logs").resolve("meta.properties");
        if (!Files.exists(meta)) {
            String newId = Uuid.randomUuid().toString();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc;
            try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(
                        new String[] {
                            "format", "--cluster-id", newId, "--config", propsFile.toString(), "--ignore-formatted"
                        },
                        out);
            }
            if (rc != 0) {
                throw new IllegalStateException("kafka-storage format of " + dataDir + " failed (exit " + rc + "): "
                        + buf.toString(StandardCharsets.UTF_8).trim());
            }
        }
        Properties m = new Properties();
        try (var in = Files.newInputStream(meta)) {
            m.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + meta + ": " + e.getMessage(), e);
        }
        return m.getProperty("cluster.id");
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> cfg = new HashMap<>(clientConfig());
        cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(cfg)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(10, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the embedded broker", e);
                } catch (Exception e) {
                    last = e;
                }
                sleep(100);
            }
            throw new IllegalStateException(
                    "Embedded broker on " + bootstrapServers() + " not ready after " + READY_TIMEOUT.toSeconds() + " s",
                    last);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    /** A minimal client config ({@code bootstrap.servers}) to start producers, consumers, admin clients from. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> m = new HashMap<>();
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return m;
    }

    /** A new admin client on this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(clientConfig());
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The cluster id written when the data directory was formatted; stable across restarts. */
    public String clusterId() {
        return clusterId;
    }

    /** Blocks until the broker shuts down (for the CLI, which closes it from a shutdown hook). */
    public void awaitShutdown() {
        server.awaitShutdown();
    }

    /** Shuts the node down cleanly (data stays unless the directory was a temp one). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdownQuietly(server);
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Error while shutting down the embedded broker", e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on " + host + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort for temp directories
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
