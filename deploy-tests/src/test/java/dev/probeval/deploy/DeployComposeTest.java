package dev.probeval.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.probeval.app.EnvironmentDefaults;
import dev.probeval.app.ProbevalCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code docker/compose.yaml} against the real CLI: each probeval service's environment names options its command
 * has (parsed by the real picocli model with that environment, so the values must also be valid), each port it
 * publishes or exposes is the one its options make it listen on, on an interface other containers reach, and
 * Prometheus scrapes each of those services on that port and metrics path. The image's health check asks the same
 * options, with the same defaults.
 */
class DeployComposeTest {
    /** Variables the image's launcher reads itself (docker/bin/probeval), not options. */
    static final Set<String> LAUNCHER_VARIABLES =
            Set.of("PROBEVAL_JAVA_OPTS", "PROBEVAL_HOME_DIR", "PROBEVAL_DJL_OFFLINE");
    /** The path both services serve Prometheus metrics on (LiveServices scrapes it on running services). */
    static final String METRICS_PATH = "/metrics";
    /** The option that sets the port each listening command serves, and the one that sets its interface. */
    static final Map<String, String[]> LISTEN_OPTIONS = Map.of(
            "aggregate", new String[] {"--http-port", "--http-host"},
            "worker", new String[] {"--metrics-port", "--metrics-host"},
            "registry", new String[] {"--port", "--host"});

    static Path docker;
    static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        docker = DockerDir.path();
        Map<String, Object> compose = new Yaml().load(Files.readString(docker.resolve("compose.yaml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
        assertNotNull(services, "compose.yaml has services");
    }

    /** The probeval services: those built from docker/Dockerfile. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> probevalServices() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        services.forEach((name, s) -> {
            Object build = s.get("build");
            if (build instanceof Map<?, ?> b
                    && "docker/Dockerfile".equals(((Map<String, Object>) b).get("dockerfile"))) {
                out.put(name, s);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = service.get("environment");
        if (e instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).forEach((k, v) -> env.put(k, String.valueOf(v)));
        } else if (e instanceof List<?> l) {
            for (Object kv : l) {
                String[] p = kv.toString().split("=", 2);
                env.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        return env;
    }

    @SuppressWarnings("unchecked")
    static List<String> command(Map<String, Object> service) {
        return new ArrayList<>((List<String>) service.get("command"));
    }

    /** The service's command as the container runs it: the compose environment as option defaults, then its args. */
    static CommandSpec parsed(String name, Map<String, Object> service) {
        List<String> args = command(service);
        CommandLine cl =
                ProbevalCli.commandLine().setDefaultValueProvider(new EnvironmentDefaults(environment(service)));
        try {
            cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            fail(name + ": `probeval " + String.join(" ", args) + "` with its environment does not parse: "
                    + e.getMessage());
        }
        CommandLine sub = cl.getSubcommands().get(args.get(0));
        assertNotNull(sub, name + " runs `" + args.get(0) + "`, which is not a probeval command");
        return sub.getCommandSpec();
    }

    @Test
    void theStackHasTheServicesTheDeploymentNeeds() {
        Map<String, Map<String, Object>> p = probevalServices();
        long aggregators = p.values().stream()
                .filter(s -> command(s).get(0).equals("aggregate"))
                .count();
        long workers = p.values().stream()
                .filter(s -> command(s).get(0).equals("worker"))
                .count();
        assertEquals(2, aggregators, "two aggregator instances");
        assertTrue(workers >= 1, "a sampler worker");
        for (String s : List.of("kafka", "schema-registry", "prometheus", "grafana", "vllm")) {
            assertTrue(services.containsKey(s), "service " + s);
        }
        assertTrue(String.valueOf(services.get("kafka").get("image")).startsWith("apache/kafka:"));
        assertEquals("broker,controller", environment(services.get("kafka")).get("KAFKA_PROCESS_ROLES"), "KRaft");
        assertTrue(String.valueOf(services.get("vllm").get("image")).startsWith("vllm/vllm-openai:"));
        assertEquals(List.of("gpu"), services.get("vllm").get("profiles"));
    }

    @Test
    void everyProbevalVariableIsAnOptionOfTheServicesCommand() {
        int checked = 0;
        for (var e : probevalServices().entrySet()) {
            String name = e.getKey();
            CommandSpec spec = parsed(name, e.getValue());
            Map<String, OptionSpec> byVariable = new LinkedHashMap<>();
            for (OptionSpec o : spec.options()) {
                EnvironmentDefaults.variableNames(o).forEach(v -> byVariable.put(v, o));
            }
            for (var v : environment(e.getValue()).entrySet()) {
                String var = v.getKey();
                assertTrue(
                        var.startsWith(EnvironmentDefaults.PREFIX), name + ": " + var + " is not a PROBEVAL_ variable");
                if (LAUNCHER_VARIABLES.contains(var)) {
                    continue;
                }
                OptionSpec o = byVariable.get(var);
                assertNotNull(
                        o,
                        name + ": " + var + " names no option of `probeval " + spec.name() + "` (options: "
                                + spec.options().stream()
                                        .map(OptionSpec::longestName)
                                        .toList() + ")");
                // The parsed value is the environment's: nothing on the command line shadows it unnoticed.
                if (!o.isMultiValue() && !command(e.getValue()).contains(o.longestName())) {
                    assertEquals(
                            v.getValue(),
                            String.valueOf((Object) o.getValue()),
                            name + ": " + var + " as " + o.longestName());
                }
                checked++;
            }
        }
        assertTrue(checked >= 20, "checked " + checked + " variables");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPortAServiceExposesIsOneItListensOn() {
        for (var e : probevalServices().entrySet()) {
            String name = e.getKey();
            CommandSpec spec = parsed(name, e.getValue());
            List<String> containerPorts = new ArrayList<>();
            for (Object p : (List<Object>) e.getValue().getOrDefault("ports", List.of())) {
                String[] parts = p.toString().split(":");
                containerPorts.add(parts[parts.length - 1]);
            }
            for (Object p : (List<Object>) e.getValue().getOrDefault("expose", List.of())) {
                containerPorts.add(p.toString());
            }
            String[] listen = LISTEN_OPTIONS.get(spec.name());
            if (listen == null) {
                assertTrue(
                        containerPorts.isEmpty(),
                        name + " exposes " + containerPorts + " but `" + spec.name() + "` listens on nothing");
                continue;
            }
            Object port = (Object) spec.findOption(listen[0]).getValue();
            assertNotNull(port, name + ": " + listen[0] + " is not set, so `" + spec.name() + "` serves nothing");
            assertEquals(
                    List.of(String.valueOf(port)),
                    containerPorts,
                    name + ": the container ports are the " + listen[0] + " it listens on");
            assertEquals(
                    "0.0.0.0",
                    (Object) spec.findOption(listen[1]).getValue(),
                    name + ": " + listen[1] + " must be 0.0.0.0 for other containers to reach it");
            if (spec.name().equals("worker")) {
                assertFalse(e.getValue().containsKey("ports"), name + " is scaled with --scale: no fixed host port");
            }
        }
    }

    @Test
    void aggregatorsShareTheApplicationIdButNotTheirIdentity() {
        Set<String> appIds = new HashSet<>();
        Set<String> hosts = new HashSet<>();
        Set<String> instanceIds = new HashSet<>();
        Set<Object> volumes = new HashSet<>();
        for (var e : probevalServices().entrySet()) {
            CommandSpec spec = parsed(e.getKey(), e.getValue());
            if (spec.name().equals("aggregate")) {
                appIds.add(String.valueOf(
                        (Object) spec.findOption("--application-id").getValue()));
                assertTrue(
                        hosts.add(String.valueOf(
                                (Object) spec.findOption("--advertised-host").getValue())),
                        "distinct hosts");
                assertEquals(e.getKey(), e.getValue().get("hostname"), "advertised host is the container's name");
                Object instanceId = spec.findOption("--instance-id").getValue();
                assertTrue(instanceId != null && instanceIds.add(instanceId.toString()), "distinct --instance-id each");
                assertTrue(volumes.add(e.getValue().get("volumes")), "a state volume each");
            }
        }
        assertEquals(1, appIds.size(), "one application id: the instances split the partitions");
    }

    @Test
    void servicesPointAtTheStacksKafkaAndRegistry() {
        Map<String, String> kafka = environment(services.get("kafka"));
        Set<String> advertised = new HashSet<>();
        for (String l : kafka.get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            advertised.add(l.substring(l.indexOf("://") + 3));
        }
        String registryPort = environment(services.get("schema-registry"))
                .get("SCHEMA_REGISTRY_LISTENERS")
                .replaceAll(".*:", "");
        for (var e : probevalServices().entrySet()) {
            CommandSpec spec = parsed(e.getKey(), e.getValue());
            String bootstrap = String.valueOf(
                    (Object) spec.findOption("--bootstrap-servers").getValue());
            assertTrue(
                    advertised.contains(bootstrap),
                    e.getKey() + ": " + bootstrap + " is not an advertised listener " + advertised);
            assertEquals("http://schema-registry:" + registryPort, (Object)
                    spec.findOption("--schema-registry-url").getValue());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryProbevalServiceOnItsPortAndPath() throws IOException {
        Map<String, Object> prom = new Yaml().load(Files.readString(docker.resolve("prometheus/prometheus.yml")));
        // target "host:port" -> metrics path, from static targets and DNS discovery alike
        Map<String, String> scraped = new LinkedHashMap<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) prom.get("scrape_configs")) {
            String path = (String) job.getOrDefault("metrics_path", "/metrics");
            for (Map<String, Object> sc : (List<Map<String, Object>>) job.getOrDefault("static_configs", List.of())) {
                for (String t : (List<String>) sc.get("targets")) {
                    scraped.put(t, path);
                }
            }
            for (Map<String, Object> dns : (List<Map<String, Object>>) job.getOrDefault("dns_sd_configs", List.of())) {
                for (String n : (List<String>) dns.get("names")) {
                    scraped.put(n + ":" + dns.get("port"), path);
                }
            }
        }
        int services = 0;
        for (var e : probevalServices().entrySet()) {
            CommandSpec spec = parsed(e.getKey(), e.getValue());
            String[] listen = LISTEN_OPTIONS.get(spec.name());
            if (listen == null || spec.name().equals("registry")) {
                continue;
            }
            String target =
                    e.getKey() + ":" + (Object) spec.findOption(listen[0]).getValue();
            assertEquals(
                    METRICS_PATH,
                    scraped.get(target),
                    "Prometheus scrapes " + target + METRICS_PATH + " (scraped: " + scraped + ")");
            services++;
        }
        assertTrue(services >= 4, "aggregators and workers scraped: " + services);
        // The mounted configuration files exist where compose mounts them from.
        for (String f : List.of(
                "prometheus/prometheus.yml",
                "grafana/provisioning/datasources/prometheus.yaml",
                "grafana/provisioning/dashboards/probeval.yaml",
                "grafana/dashboards",
                "models/vllm-models.txt")) {
            assertTrue(Files.exists(docker.resolve(f)), "docker/" + f);
        }
    }

    /**
     * The demo profile's one-shot producer, run as its container would (its environment, its arguments, the prompts
     * file mounted from docker/prompts) with --dry-run: every line is a valid request for the worker's model version.
     */
    @Test
    void theDemoProducerSendsValidRequestsForTheWorkersModel() {
        Map<String, Object> produce = services.get("produce");
        List<String> args = command(produce);
        assertEquals("/prompts/stories.jsonl", args.get(args.size() - 1));
        args.set(args.size() - 1, docker.resolve("prompts/stories.jsonl").toString());
        args.add(1, "--dry-run");
        CommandLine cl =
                ProbevalCli.commandLine().setDefaultValueProvider(new EnvironmentDefaults(environment(produce)));
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), err.toString());
        assertEquals(4, out.toString().lines().filter(l -> l.startsWith("req-")).count(), out.toString());
        String workerModel = environment(services.get("worker")).get("PROBEVAL_WORKER_MODEL");
        assertTrue(
                workerModel.startsWith(environment(produce).get("PROBEVAL_PRODUCE_MODEL_VERSION") + "="),
                "the producer asks for the model version the worker serves: " + workerModel);
    }

    /** docker/bin/healthcheck reads, per command, an option that exists there, with the option's own default. */
    @Test
    void theHealthCheckAsksTheOptionsTheCommandsHave() throws IOException {
        String script = Files.readString(docker.resolve("bin/healthcheck"));
        Matcher branch =
                Pattern.compile("(?m)^\\s+([a-z]+)\\)(.*?);;", Pattern.DOTALL).matcher(script);
        Pattern call = Pattern.compile("option_value ([a-z-]+) \"?([0-9]*)\"?");
        CommandLine cl = ProbevalCli.commandLine();
        int checked = 0;
        while (branch.find()) {
            CommandLine sub = cl.getSubcommands().get(branch.group(1));
            assertNotNull(sub, "healthcheck branch for unknown command " + branch.group(1));
            Matcher m = call.matcher(branch.group(2));
            while (m.find()) {
                OptionSpec o = sub.getCommandSpec().findOption("--" + m.group(1));
                assertNotNull(o, branch.group(1) + " has no --" + m.group(1));
                // a default is declared, or (for options a command constructs with its own default) the initial value
                Object initial = o.initialValue();
                String def = o.defaultValue() != null
                        ? o.defaultValue()
                        : initial == null || (initial instanceof Boolean) ? "" : String.valueOf(initial);
                assertEquals(def, m.group(2), branch.group(1) + " --" + m.group(1) + " default");
                checked++;
            }
        }
        assertTrue(checked >= 4, "checked " + checked);
    }
}
