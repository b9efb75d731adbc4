package dev.probeval.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every panel query of every Grafana dashboard in {@code docker/grafana/dashboards} names only metrics that a running
 * aggregator and sampler worker export: the names come from scraping both over HTTP after real traffic (one
 * evaluation request through the stories260K model, and one undecodable record, so the per-version gauges and the
 * dead-letter counters exist).
 */
class DashboardMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** PromQL words that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan");

    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    @TempDir
    static Path tmp;

    static LiveServices live;
    static Set<String> exported;

    @BeforeAll
    static void scrape() throws Exception {
        live = LiveServices.startWithTraffic(tmp);
        live.sendUndecodableRequest();
        live.awaitAggregatorScrape("probeval_aggregator_dead_letters_total{");
        exported = new TreeSet<>();
        exported.addAll(LiveServices.metricNames(live.scrape(live.aggregatorMetricsUrl())));
        exported.addAll(LiveServices.metricNames(live.scrape(live.workerMetricsUrl())));
    }

    @AfterAll
    static void stop() {
        if (live != null) {
            live.close();
        }
    }

    /** The metric names a PromQL expression selects: identifiers outside label matchers, ranges, strings, groupings. */
    static Set<String> metricsIn(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group();
            int after = m.end();
            while (after < s.length() && s.charAt(after) == ' ') {
                after++;
            }
            boolean function = after < s.length() && s.charAt(after) == '(';
            boolean variable = m.start() > 0 && s.charAt(m.start() - 1) == '$';
            if (!function && !variable && !KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    @Test
    void theExtractorFindsMetricsAndSkipsTheRest() {
        assertEquals(
                Set.of("a_total", "b_seconds_sum"),
                metricsIn(
                        "sum by (x, y) (rate(a_total{k=\"v\", j=~\"m.*\"}[$__rate_interval])) / on(x) max(b_seconds_sum) > 0.5"));
    }

    static List<Path> dashboards() throws Exception {
        try (Stream<Path> s = Files.list(DockerDir.path().resolve("grafana/dashboards"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    @Test
    void everyPanelQueryNamesExportedMetrics() throws Exception {
        List<Path> files = dashboards();
        assertFalse(files.isEmpty(), "dashboards in docker/grafana/dashboards");
        int queries = 0;
        for (Path f : files) {
            JsonNode d = JSON.readTree(f.toFile());
            for (JsonNode p : panels(d)) {
                if (p.path("type").asText().equals("row")) {
                    continue;
                }
                assertTrue(
                        p.path("targets").size() > 0,
                        f.getFileName() + " panel '" + p.path("title").asText() + "' has no query");
                for (JsonNode t : p.path("targets")) {
                    String expr = t.path("expr").asText();
                    Set<String> names = metricsIn(expr);
                    assertFalse(
                            names.isEmpty(), "panel '" + p.path("title").asText() + "' query names no metric: " + expr);
                    for (String n : names) {
                        assertTrue(
                                exported.contains(n),
                                f.getFileName() + " panel '" + p.path("title").asText() + "' queries " + n
                                        + ", which neither service exports (query: " + expr + ")");
                    }
                    assertEquals(
                            "probeval-prometheus",
                            t.path("datasource").path("uid").asText(),
                            "the provisioned datasource's uid");
                    queries++;
                }
            }
        }
        assertTrue(queries >= 10, "queries checked: " + queries);
    }

    /** The panels the deployment promises, by title, each on at least one dashboard. */
    @Test
    void theDashboardsCoverWhatAnOperatorWatches() throws Exception {
        Set<String> titles = new TreeSet<>();
        for (Path f : dashboards()) {
            panels(JSON.readTree(f.toFile()))
                    .forEach(p -> titles.add(p.path("title").asText().toLowerCase()));
        }
        for (String want : List.of(
                "samples/s per model version",
                "bound width over time",
                "prompts below target n",
                "hidden leaks per model version",
                "dead letters by reason",
                "consumer lag",
                "kafka streams client state")) {
            assertTrue(titles.stream().anyMatch(t -> t.startsWith(want)), "a panel '" + want + "' in " + titles);
        }
    }

    /**
     * docker/bin/healthcheck, the image's HEALTHCHECK, run against the running services: it finds the command and the
     * port in PID 1's arguments (here a file of NUL-separated arguments standing in for /proc/1/cmdline), asks the
     * health route and exits 0; on a port nothing serves it exits 1.
     */
    @Test
    void theImageHealthCheckPassesOnTheRunningServices() throws Exception {
        int aggregatorPort = Integer.parseInt(live.aggregatorMetricsUrl().replaceAll(".*:(\\d+)/.*", "$1"));
        int workerPort = Integer.parseInt(live.workerMetricsUrl().replaceAll(".*:(\\d+)/.*", "$1"));
        assertEquals(0, healthCheck("aggregate", "--http-port", "" + aggregatorPort));
        assertEquals(0, healthCheck("worker", "--metrics-port=" + workerPort));
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            int closed = free.getLocalPort();
            free.close();
            assertEquals(1, healthCheck("aggregate", "--http-port", "" + closed));
        }
    }

    private static int healthCheck(String... args) throws Exception {
        Path cmdline = tmp.resolve("cmdline-" + System.nanoTime());
        List<String> argv =
                new ArrayList<>(List.of("java", "-cp", "/opt/probeval/lib/*", "dev.probeval.app.ProbevalCli"));
        argv.addAll(List.of(args));
        Files.writeString(cmdline, String.join("\0", argv) + "\0");
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", DockerDir.path().resolve("bin/healthcheck").toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PROBEVAL_"));
        pb.environment().put("HEALTHCHECK_CMDLINE", cmdline.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        System.out.println("healthcheck " + String.join(" ", args) + " -> " + code + " " + out.strip());
        return code;
    }

    @Test
    void theProvisionedDatasourceIsTheOneThePanelsName() throws Exception {
        String ds = Files.readString(DockerDir.path().resolve("grafana/provisioning/datasources/prometheus.yaml"));
        assertTrue(ds.contains("uid: probeval-prometheus") && ds.contains("url: http://prometheus:9090"), ds);
    }
}
