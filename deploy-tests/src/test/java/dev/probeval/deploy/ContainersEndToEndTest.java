package dev.probeval.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.yaml.snakeyaml.Yaml;

/**
 * The end-to-end scenario of {@link DashboardMetricsTest}'s fixture (one request through a real worker into a real
 * aggregator, bounds FINAL with every sample counted once) on containers: Kafka from the {@code apache/kafka} image
 * and Confluent's schema registry, the images and tags that {@code docker/compose.yaml} runs. Needs a Docker engine;
 * without one every test is skipped by an assumption whose message says so (visible in Surefire's report).
 */
class ContainersEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Network network;
    static KafkaContainer kafka;
    static GenericContainer<?> registry;
    static final String NO_DOCKER = "no Docker engine reachable (DOCKER_HOST or /var/run/docker.sock), so the Kafka and"
            + " schema-registry containers cannot start; the same scenario runs on the embedded broker in"
            + " DashboardMetricsTest";
    static boolean docker;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void startContainers() throws Exception {
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        if (!docker) {
            System.out.println("ContainersEndToEndTest skipped: " + NO_DOCKER);
            return;
        }
        Map<String, Object> compose =
                new Yaml().load(Files.readString(DockerDir.path().resolve("compose.yaml")));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        String kafkaImage = (String) services.get("kafka").get("image");
        String registryImage = (String) services.get("schema-registry").get("image");
        network = Network.newNetwork();
        kafka = new KafkaContainer(kafkaImage)
                .withNetwork(network)
                .withNetworkAliases("kafka")
                .withListener("kafka:19092");
        kafka.start();
        registry = new GenericContainer<>(registryImage)
                .withNetwork(network)
                .withExposedPorts(8081)
                .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)));
        registry.start();
    }

    @AfterAll
    static void stopContainers() {
        if (registry != null) {
            registry.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void oneRequestFlowsThroughWorkerAndAggregatorOnContainers() throws Exception {
        assumeTrue(docker, NO_DOCKER);
        String registryUrl = "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
        try (LiveServices live = LiveServices.startWithTraffic(tmp, kafka.getBootstrapServers(), registryUrl)) {
            JsonNode bounds = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    bounds = JSON.readTree(live.scrape(live.aggregatorUrl() + "/api/v1/requests/deploy-r1"));
                    if ("FINAL".equals(bounds.path("status").asText())) {
                        break;
                    }
                } catch (IllegalStateException notYet) {
                    // 404 until the first bounds exist
                }
                Thread.sleep(200);
            }
            assertTrue(bounds != null && "FINAL".equals(bounds.path("status").asText()), "bounds FINAL: " + bounds);
            assertEquals(4, bounds.get("n").asInt(), "every sample counted once");
            JsonNode subjects = JSON.readTree(live.scrape(registryUrl + "/subjects"));
            assertTrue(
                    subjects.toString().contains(Topics.EVAL_REQUESTS.name() + "-value"),
                    "Confluent's registry holds the request schema: " + subjects);
            assertTrue(subjects.toString().contains(Topics.SAMPLES.name() + "-value"), subjects.toString());
        }
    }
}
