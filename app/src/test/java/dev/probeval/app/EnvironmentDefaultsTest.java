package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code PROBEVAL_...} environment variables as option defaults, on the real commands (parsed, not run). */
class EnvironmentDefaultsTest {

    private static CommandLine parse(Map<String, String> env, String... args) {
        CommandLine cl = ProbevalCli.commandLine(CommandLine.defaultFactory(), env);
        cl.parseArgs(args);
        return cl;
    }

    private static <T> T command(CommandLine cl, String name, Class<T> type) {
        return type.cast(cl.getSubcommands().get(name).getCommand());
    }

    @Test
    void globalVariableReachesMixinOptionsOfEveryCommand() {
        Map<String, String> env = Map.of(
                "PROBEVAL_BOOTSTRAP_SERVERS", "kafka:29092", "PROBEVAL_SCHEMA_REGISTRY_URL", "http://registry:8081");
        AggregateCommand agg = command(parse(env, "aggregate"), "aggregate", AggregateCommand.class);
        assertEquals("kafka:29092", agg.kafka.bootstrapServers);
        assertEquals("http://registry:8081", agg.registry.url);
        WorkerCommand worker = command(parse(env, "worker"), "worker", WorkerCommand.class);
        assertEquals("kafka:29092", worker.kafka.bootstrapServers);
        assertEquals("http://registry:8081", worker.registry.url);
        RegistryCommand registry = command(parse(env, "registry"), "registry", RegistryCommand.class);
        assertEquals("kafka:29092", registry.kafka.bootstrapServers);
    }

    @Test
    void withoutVariablesTheAnnotatedDefaultsStay() {
        AggregateCommand agg = command(parse(Map.of(), "aggregate"), "aggregate", AggregateCommand.class);
        assertEquals(dev.probeval.kafka.KafkaServiceConfig.DEFAULT_BOOTSTRAP_SERVERS, agg.kafka.bootstrapServers);
        assertEquals(8090, agg.listen.port);
        assertTrue(agg.topics.createTopics);
    }

    @Test
    void commandScopedVariableWinsOverGlobalAndStaysInItsCommand() {
        Map<String, String> env = Map.of(
                "PROBEVAL_AGGREGATE_HTTP_PORT",
                "9100",
                "PROBEVAL_HTTP_PORT",
                "9200",
                "PROBEVAL_REGISTRY_PORT",
                "18081");
        assertEquals(9100, command(parse(env, "aggregate"), "aggregate", AggregateCommand.class).listen.port);
        assertEquals(18081, command(parse(env, "registry"), "registry", RegistryCommand.class).listen.port);
        // PROBEVAL_REGISTRY_PORT names the registry's --port only; the broker's --port keeps its default.
        assertEquals(9092, command(parse(env, "broker"), "broker", BrokerCommand.class).port);
    }

    @Test
    void explicitArgumentsWinOverTheEnvironment() {
        Map<String, String> env = Map.of("PROBEVAL_AGGREGATE_HTTP_PORT", "9100", "PROBEVAL_BOOTSTRAP_SERVERS", "env:1");
        AggregateCommand agg = command(
                parse(env, "aggregate", "--http-port", "7000", "--bootstrap-servers", "cli:2"),
                "aggregate",
                AggregateCommand.class);
        assertEquals(7000, agg.listen.port);
        assertEquals("cli:2", agg.kafka.bootstrapServers);
    }

    @Test
    void booleansMapsAndNumbers() {
        Map<String, String> env = Map.of(
                "PROBEVAL_CREATE_TOPICS",
                "false",
                "PROBEVAL_WORKER_PRELOAD",
                "true",
                "PROBEVAL_KAFKA_CONFIG",
                "security.protocol=SASL_SSL",
                "PROBEVAL_WORKER_METRICS_PORT",
                "9404",
                "PROBEVAL_WORKER_METRICS_HOST",
                "0.0.0.0",
                "PROBEVAL_PARTITIONS",
                "12");
        WorkerCommand w = command(parse(env, "worker"), "worker", WorkerCommand.class);
        assertFalse(w.topics.createTopics);
        assertTrue(w.preload);
        assertEquals(Map.of("security.protocol", "SASL_SSL"), w.kafka.kafkaConfig);
        assertEquals(9404, w.metricsPort);
        assertEquals("0.0.0.0", w.metricsHost);
        assertEquals(12, w.topics.partitions);
        // The command line's own --kafka-config replaces the environment's (picocli defaults never merge with values).
        WorkerCommand w2 = command(parse(env, "worker", "--kafka-config", "acks=all"), "worker", WorkerCommand.class);
        assertEquals(Map.of("acks", "all"), w2.kafka.kafkaConfig);
    }

    @Test
    void nestedCommandsJoinTheirNames() {
        CommandLine cl =
                ProbevalCli.commandLine(CommandLine.defaultFactory(), Map.of("PROBEVAL_LAB_TRAIN_FORCE", "true"));
        CommandLine train = cl.getSubcommands().get("lab").getSubcommands().get("train");
        OptionSpec force = train.getCommandSpec().findOption("--force");
        assertEquals(List.of("PROBEVAL_LAB_TRAIN_FORCE", "PROBEVAL_FORCE"), EnvironmentDefaults.variableNames(force));
        cl.parseArgs("lab", "train");
        assertEquals(Boolean.TRUE, force.getValue());
    }

    @Test
    void badValueIsAUsageErrorNamingTheOption() {
        CommandLine cl =
                ProbevalCli.commandLine(CommandLine.defaultFactory(), Map.of("PROBEVAL_AGGREGATE_HTTP_PORT", "eighty"));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(2, cl.execute("aggregate"));
        String msg = err.toString().strip();
        assertEquals(1, msg.lines().count(), msg);
        assertTrue(msg.contains("--http-port") && msg.contains("eighty"), msg);
        assertTrue(msg.contains("(from PROBEVAL_AGGREGATE_HTTP_PORT)"), msg);
    }

    /** Within one command no two options share a variable, and none takes a variable the launcher reads itself. */
    @Test
    void variableNamesAreUniquePerCommandAndAvoidTheLaunchersOwn() {
        Set<String> reserved = Set.of(
                "PROBEVAL_JAVA_OPTS",
                "PROBEVAL_LAB_CACHE",
                "PROBEVAL_SHARED",
                "PROBEVAL_HOME_DIR",
                "PROBEVAL_DJL_OFFLINE",
                "PROBEVAL_IMAGE",
                "PROBEVAL_MODELS_DIR");
        Map<String, String> seenGlobal = new HashMap<>();
        int options = 0;
        for (CommandSpec c : allCommands(ProbevalCli.commandLine(CommandLine.defaultFactory(), Map.of()))) {
            Set<String> names = new HashSet<>();
            for (OptionSpec o : c.options()) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                options++;
                for (String v : EnvironmentDefaults.variableNames(o)) {
                    assertTrue(names.add(v), c.qualifiedName() + ": two options map onto " + v);
                    assertFalse(reserved.contains(v), c.qualifiedName() + " " + o.longestName() + " maps onto " + v);
                }
                // A global variable is one of the option's own spellings, so it means the same name wherever it is
                // read.
                List<String> vars = EnvironmentDefaults.variableNames(o);
                for (String global : vars.subList(vars.size() / 2, vars.size())) {
                    String prev = seenGlobal.putIfAbsent(global, global);
                    assertTrue(
                            java.util.Arrays.stream(o.names())
                                    .anyMatch(n -> global.equals("PROBEVAL_"
                                            + n.replaceFirst("^-+", "")
                                                    .replace('-', '_')
                                                    .toUpperCase(java.util.Locale.ROOT))),
                            global);
                    assertTrue(prev == null || prev.equals(global));
                }
            }
        }
        assertTrue(options > 50, "expected the real commands' options, saw " + options);
    }

    static List<CommandSpec> allCommands(CommandLine root) {
        List<CommandSpec> all = new java.util.ArrayList<>();
        java.util.ArrayDeque<CommandLine> todo =
                new java.util.ArrayDeque<>(root.getSubcommands().values());
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            all.add(c.getCommandSpec());
            todo.addAll(c.getSubcommands().values());
        }
        return all;
    }
}
