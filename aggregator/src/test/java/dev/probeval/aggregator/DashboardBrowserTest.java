package dev.probeval.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScoredSample;
import dev.probeval.broker.testing.KafkaTestCluster;
import dev.probeval.core.ids.SampleIds;
import dev.probeval.kafka.Topics;
import java.io.File;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real browser: Debian's headless {@code chromium} driven through the system {@code chromedriver}
 * (Selenium from Maven Central; no browser download), against a real aggregator on the embedded KRaft broker and the
 * project's registry. The page must show the versions and exactly the numbers the REST API returns (rendered to 3
 * decimals), highlight the hidden leaks, sort and filter, compare two versions, and update through server-sent
 * events when new samples move a bound. Skipped, saying why, where chromium or chromedriver is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 2;
    private static final int N = 20;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String BASE = "dash-base";
    private static final String V7 = "dash-v7";
    /** Roll-up fields the overview shows as numbers. */
    private static final List<String> ROLLUP_NUMBERS =
            List.of("meanGreedyScore", "meanSampledScore", "meanMMu", "suiteBound", "maxMBin");
    /** Prompt fields the prompt table shows as numbers. */
    private static final List<String> PROMPT_NUMBERS =
            List.of("alpha", "greedyScore", "mean", "mMuLower", "mMu", "mBin", "maxSampledScore");

    private KafkaTestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @BeforeAll
    void startInfrastructure() {
        Path chromium = firstExecutable("/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path driver = firstExecutable("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        Assumptions.assumeTrue(
                chromium != null && driver != null,
                "dashboard browser test skipped: Debian's chromium and chromium-driver are not installed "
                        + "(apt-get install -y chromium chromium-driver; .ci/run does this when it can)");
        cluster = KafkaTestCluster.start(PARTITIONS);
    }

    @AfterAll
    void stopInfrastructure() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Path firstExecutable(String... candidates) {
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(firstExecutable("/usr/bin/chromium", "/usr/bin/chromium-browser")
                .toString());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1400,1000",
                "--user-data-dir=" + tmp.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(
                        new File(firstExecutable("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
                                .toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** 200 with a body, or null for any other status (starting, rebalancing, not there yet). */
    private JsonNode tryGet(String baseUrl, String path) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Waits until {@code check} returns null (nothing wrong), failing with its last complaint after {@link #WAIT}. */
    private static void await(String what, Supplier<String> check) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String complaint = checkOnce(check);
        while (complaint != null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for " + what + ": " + complaint);
            }
            Thread.sleep(200);
            complaint = checkOnce(check);
        }
    }

    /** One check; an element the page re-rendered while it was being read only means "look again". */
    private static String checkOnce(Supplier<String> check) {
        try {
            return check.get();
        } catch (StaleElementReferenceException e) {
            return "the page re-rendered while it was read (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** What the page must print for a JSON number: 3 decimals of the double's exact value, as JS toFixed(3) does. */
    static String three(JsonNode v) {
        if (v == null || v.isNull()) {
            return "–";
        }
        return new BigDecimal(v.asDouble()).setScale(3, RoundingMode.HALF_UP).toPlainString();
    }

    private static List<ScoredSample> samples(List<EvalRequest> reqs, int fromIndex, int toIndex, boolean greedy) {
        List<ScoredSample> out = new ArrayList<>();
        for (ScoredSample s : Records.interleavedSamples(reqs)) {
            int i = s.getSampleIndex();
            if (i == SampleIds.GREEDY_INDEX ? greedy : (i >= fromIndex && i < toIndex)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Null when every prompt of {@code version} has {@code n} counted samples in the REST answer. */
    private String promptsAt(String url, String version, int count, int n) {
        JsonNode b = tryGet(url, "/api/v1/models/" + version + "/prompts");
        if (b == null) {
            return "no prompts of " + version + " yet";
        }
        if (b.get("prompts").size() != count) {
            return b.get("prompts").size() + " prompts of " + version;
        }
        for (JsonNode p : b.get("prompts")) {
            if (p.get("n").asInt() != n || p.get("greedyScore").isNull()) {
                return version + "/" + p.get("promptId").asText() + " n=" + p.get("n") + " greedy="
                        + p.get("greedyScore");
            }
        }
        JsonNode m = tryGet(url, "/api/v1/models/" + version + "/bounds");
        int seen = 0;
        for (JsonNode g : m == null ? JSON.createArrayNode() : m.get("groups")) {
            seen += g.get("promptsSeen").asInt();
        }
        return seen == count ? null : "roll-ups of " + version + " count " + seen + " prompts";
    }

    /**
     * Null when the page shows exactly what the REST API answers now for {@code version} in pane {@code which}
     * (its overview rows and its prompt table), else the first difference.
     */
    private String pageMatchesApi(WebDriver page, String url, String version, String which) {
        JsonNode bounds = tryGet(url, "/api/v1/models/" + version + "/bounds");
        JsonNode prompts = tryGet(url, "/api/v1/models/" + version + "/prompts");
        if (bounds == null || prompts == null) {
            return "REST has no answer for " + version;
        }
        try {
            for (JsonNode g : bounds.get("groups")) {
                String group = g.get("suite").asText() + "|" + g.get("split").asText();
                List<WebElement> rows = page.findElements(
                        By.cssSelector("#overview tr[data-version='" + version + "'][data-group='" + group + "']"));
                if (rows.size() != 1) {
                    return rows.size() + " overview rows for " + version + " " + group;
                }
                for (String f : ROLLUP_NUMBERS) {
                    String shown = rows.get(0)
                            .findElement(By.cssSelector("[data-field='" + f + "']"))
                            .getText();
                    if (!shown.equals(three(g.get(f)))) {
                        return version + " " + group + " " + f + ": page " + shown + ", API " + three(g.get(f));
                    }
                }
                String finals = rows.get(0)
                        .findElement(By.cssSelector("[data-field='promptsFinal']"))
                        .getText();
                String expected = g.get("promptsFinal").asInt() + " / "
                        + g.get("promptsSeen").asInt();
                if (!finals.equals(expected)) {
                    return version + " " + group + " progress: page " + finals + ", API " + expected;
                }
            }
            if (!version.equals(new Select(page.findElement(By.id("version-" + which)))
                    .getFirstSelectedOption()
                    .getAttribute("value"))) {
                return "pane " + which + " does not show " + version;
            }
            for (JsonNode p : prompts.get("prompts")) {
                String id = p.get("requestId").asText();
                List<WebElement> rows =
                        page.findElements(By.cssSelector("#prompts-" + which + " tr[data-request-id='" + id + "']"));
                if (rows.size() != 1) {
                    return rows.size() + " rows for request " + id + " in pane " + which;
                }
                WebElement row = rows.get(0);
                for (String f : PROMPT_NUMBERS) {
                    String shown = row.findElement(By.cssSelector("[data-field='" + f + "']"))
                            .getText();
                    if (!shown.equals(three(p.get(f)))) {
                        return id + " " + f + ": page " + shown + ", API " + three(p.get(f));
                    }
                }
                String status =
                        row.findElement(By.cssSelector("[data-field='status']")).getText();
                if (!status.equals(p.get("status").asText())) {
                    return id + " status: page " + status + ", API "
                            + p.get("status").asText();
                }
                JsonNode st = p.get("stoppingStatus");
                String stop = row.findElement(By.cssSelector("[data-field='stoppingStatus']"))
                        .getText();
                String expectedStop = st == null || st.isNull()
                        ? "–"
                        : Map.of(
                                                "DECIDED_BELOW",
                                                "certified below",
                                                "DECIDED_ABOVE",
                                                "certified above",
                                                "UNDECIDED_AT_CAP",
                                                "undecided at cap")
                                        .get(st.asText())
                                + " @ n=" + p.get("decidedAtN").asInt();
                if (!stop.equals(expectedStop)) {
                    return id + " early stop: page " + stop + ", API " + expectedStop;
                }
                boolean highlighted = row.getAttribute("class").contains("hidden-leak");
                if (highlighted != p.get("hiddenLeak").asBoolean()) {
                    return id + " hidden-leak highlight " + highlighted + ", API " + p.get("hiddenLeak");
                }
            }
            return null;
        } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
            return "page re-rendering: " + e.getClass().getSimpleName();
        }
    }

    private static String bodyData(WebDriver page, String key) {
        Object v = ((JavascriptExecutor) page).executeScript("return document.body.dataset." + key + " || '0';");
        return String.valueOf(v);
    }

    @Test
    void pageShowsTheApisNumbersComparesVersionsAndUpdatesOnServerSentEvents() throws Exception {
        String prefix = "dash-" + UUID.randomUUID() + "-";
        List<EvalRequest> base = Records.requests(prefix + "b", BASE, 3, N);
        List<EvalRequest> v7 = Records.requests(prefix + "v", V7, 3, N);
        cluster.produce(Topics.EVAL_REQUESTS, base, EvalRequest::getRequestId);
        cluster.produce(Topics.EVAL_REQUESTS, v7, EvalRequest::getRequestId);
        // base: half its samples and its greedy baselines; v7: everything
        cluster.produce(Topics.SAMPLES, samples(base, 0, N / 2, true), ScoredSample::getRequestId);
        cluster.produce(Topics.SAMPLES, samples(v7, 0, N, true), ScoredSample::getRequestId);

        AggregatorConfig config = AggregatorConfig.builder()
                .setKafka(AggregatorConfig.kafkaBuilder()
                        .setBootstrapServers(cluster.bootstrapServers())
                        .optSchemaRegistryUrl(cluster.registryUrl())
                        .optPartitions(PARTITIONS)
                        .optKafkaConfig("commit.interval.ms", 100)
                        .optKafkaConfig("statestore.cache.max.bytes", 0)
                        .optKafkaConfig("num.stream.threads", 1)
                        .build())
                .optApplicationId("dash-" + UUID.randomUUID())
                .optStateDir(tmp.resolve("state"))
                .optHttpPort(0)
                .optEmitEverySamples(0)
                .optEmitIntervalMs(200)
                .optModelEmitIntervalMs(200)
                .build();
        try (Aggregator agg = Aggregator.start(config)) {
            agg.awaitRunning(Duration.ofSeconds(60));
            String url = agg.httpUrl();
            await("base at n=" + N / 2, () -> promptsAt(url, BASE, 3, N / 2));
            await("v7 at n=" + N, () -> promptsAt(url, V7, 3, N));

            WebDriver page = browser();
            try {
                page.get(url + "/");
                assertEquals("probeval aggregator", page.getTitle());
                await("the page to show base as the API does", () -> pageMatchesApi(page, url, BASE, "a"));
                List<String> versions = new ArrayList<>();
                for (WebElement o : new Select(page.findElement(By.id("version-a"))).getOptions()) {
                    versions.add(o.getText());
                }
                assertEquals(List.of(BASE, V7), versions);
                await(
                        "the event stream to connect",
                        () -> "live"
                                        .equals(page.findElement(By.id("connection"))
                                                .getAttribute("data-state"))
                                ? null
                                : page.findElement(By.id("connection")).getText());
                assertFalse(page.findElements(By.cssSelector("#plot-a canvas")).isEmpty(), "uPlot drew the plot");
                assertTrue(
                        page.findElement(By.id("title-a")).getText().contains("α 0.010"),
                        page.findElement(By.id("title-a")).getText());
                assertFalse(
                        page.findElements(By.cssSelector("#prompts-a tr.hidden-leak"))
                                .isEmpty(),
                        "these samples leak while greedy (0.1) does not: hidden leaks are highlighted");
                // every number cell uses 3 decimals
                for (WebElement cell : page.findElements(By.cssSelector("#prompts-a [data-field='mMu']"))) {
                    assertTrue(cell.getText().matches("\\d+\\.\\d{3}"), cell.getText());
                }

                // sorting: by M_μ descending after two clicks; filtering: one prompt id
                page.findElement(By.cssSelector("#prompts-a button[data-sort-key='mMu']"))
                        .click();
                page.findElement(By.cssSelector("#prompts-a button[data-sort-key='mMu']"))
                        .click();
                List<Double> shown = new ArrayList<>();
                for (WebElement cell : page.findElements(By.cssSelector("#prompts-a tbody [data-field='mMu']"))) {
                    shown.add(Double.parseDouble(cell.getText()));
                }
                List<Double> descending = new ArrayList<>(shown);
                descending.sort(java.util.Comparator.reverseOrder());
                assertEquals(descending, shown, "sorted by M_μ, descending");
                assertEquals(
                        "descending",
                        page.findElement(By.cssSelector("#prompts-a button[data-sort-key='mMu']"))
                                .findElement(By.xpath(".."))
                                .getAttribute("aria-sort"));
                page.findElement(By.id("filter")).sendKeys("p1");
                await("the filter to leave one prompt", () -> {
                    int rows = page.findElements(By.cssSelector("#prompts-a tbody tr"))
                            .size();
                    return rows == 1 ? null : rows + " rows";
                });
                assertEquals(
                        "p1",
                        page.findElement(By.cssSelector("#prompts-a tbody tr [data-field='promptId']"))
                                .getText());
                // erase "p1" as a user would (WebElement.clear() fires no input event)
                page.findElement(By.id("filter"))
                        .sendKeys(org.openqa.selenium.Keys.BACK_SPACE, org.openqa.selenium.Keys.BACK_SPACE);
                await("the filter to clear", () -> {
                    int rows = page.findElements(By.cssSelector("#prompts-a tbody tr"))
                            .size();
                    return rows == 3 ? null : rows + " rows";
                });

                // side by side: v7 in the second pane, and which prompts leak in both
                new Select(page.findElement(By.id("version-b"))).selectByValue(V7);
                await("the page to show v7 as the API does", () -> pageMatchesApi(page, url, V7, "b"));
                JsonNode baseP =
                        tryGet(url, "/api/v1/models/" + BASE + "/prompts").get("prompts");
                JsonNode v7P = tryGet(url, "/api/v1/models/" + V7 + "/prompts").get("prompts");
                Map<String, Boolean> bothLeak = new LinkedHashMap<>();
                for (JsonNode b : baseP) {
                    for (JsonNode v : v7P) {
                        if (b.get("promptId").equals(v.get("promptId"))
                                && b.get("split").equals(v.get("split"))) {
                            bothLeak.put(
                                    b.get("suite").asText() + "|"
                                            + b.get("split").asText() + "|"
                                            + b.get("promptId").asText(),
                                    b.get("k").asInt() > 0 && v.get("k").asInt() > 0);
                        }
                    }
                }
                assertEquals(3, bothLeak.size());
                for (Map.Entry<String, Boolean> e : bothLeak.entrySet()) {
                    WebElement row = page.findElement(By.cssSelector("#compare tr[data-prompt='" + e.getKey() + "']"));
                    assertEquals(
                            e.getValue(),
                            row.findElement(By.cssSelector("[data-field='verdict']"))
                                    .getText()
                                    .equals("still leaks"),
                            e.getKey());
                    assertEquals(e.getValue(), row.getAttribute("class").contains("still-leaks"), e.getKey());
                }

                // live update: the rest of base's samples move its bounds; the page follows through server-sent events
                String mMuBefore = page.findElement(By.cssSelector(
                                "#prompts-a tr[data-request-id='" + prefix + "b0" + "'] [data-field='mMu']"))
                        .getText();
                int eventsBefore = Integer.parseInt(bodyData(page, "sseEvents"));
                cluster.produce(Topics.SAMPLES, samples(base, N / 2, N, false), ScoredSample::getRequestId);
                await("base at n=" + N, () -> promptsAt(url, BASE, 3, N));
                await("the page to show base's new bounds as the API does", () -> {
                    String s = pageMatchesApi(page, url, BASE, "a");
                    if (s != null) {
                        return s;
                    }
                    JsonNode p0 = tryGet(url, "/api/v1/models/" + BASE + "/prompts")
                            .get("prompts")
                            .get(0);
                    return "FINAL".equals(p0.get("status").asText())
                            ? null
                            : "base p0 is " + p0.get("status").asText();
                });
                String mMuAfter = page.findElement(By.cssSelector(
                                "#prompts-a tr[data-request-id='" + prefix + "b0" + "'] [data-field='mMu']"))
                        .getText();
                assertNotEquals(mMuBefore, mMuAfter, "ten more samples moved M_μ");
                assertTrue(Integer.parseInt(bodyData(page, "sseEvents")) > eventsBefore, "the update came as an event");
                assertEquals(
                        "live",
                        page.findElement(By.id("connection")).getAttribute("data-state"),
                        "no fallback polling was needed");
                // continuous monitoring: a new version submitted to the running aggregator appears beside the old ones
                List<EvalRequest> v8 = Records.requests(prefix + "w", "dash-v8", 2, N);
                cluster.produce(Topics.EVAL_REQUESTS, v8, EvalRequest::getRequestId);
                cluster.produce(Topics.SAMPLES, samples(v8, 0, N / 4, true), ScoredSample::getRequestId);
                await("dash-v8 in the API", () -> promptsAt(url, "dash-v8", 2, N / 4));
                await("dash-v8 on the page, beside the others", () -> {
                    List<String> now = new ArrayList<>();
                    for (WebElement o : new Select(page.findElement(By.id("version-a"))).getOptions()) {
                        now.add(o.getText());
                    }
                    return now.equals(List.of(BASE, V7, "dash-v8")) ? null : "versions shown: " + now;
                });
                new Select(page.findElement(By.id("version-b"))).selectByValue("dash-v8");
                await("the page to show dash-v8 as the API does", () -> pageMatchesApi(page, url, "dash-v8", "b"));
                assertTrue(
                        page.findElement(By.id("progress-b-text")).getText().startsWith("0 of 2 prompts FINAL"),
                        page.findElement(By.id("progress-b-text")).getText());
                // early stopping: a stream its rule decided is complete at its n and shown with a badge
                EvalRequest ruled = Records.request(
                        prefix + "e0",
                        "dash-v9",
                        "tofu",
                        "forget",
                        "e0",
                        512,
                        0.01,
                        0.5,
                        dev.probeval.avro.BoundMode.ANYTIME);
                ruled.setStoppingRule(dev.probeval.avro.StoppingRule.newBuilder()
                        .setMetric(dev.probeval.avro.StoppingMetric.M_BIN)
                        .setThreshold(0.05)
                        .build());
                cluster.produce(Topics.EVAL_REQUESTS, List.of(ruled), EvalRequest::getRequestId);
                List<ScoredSample> stream = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    stream.add(Records.sample(ruled.getRequestId(), i, i % 2 == 0 ? 1.0 : 0.0));
                }
                stream.get(15).setStoppingStatus(dev.probeval.avro.StoppingStatus.DECIDED_ABOVE);
                stream.get(15).setStreamLength(16);
                cluster.produce(Topics.SAMPLES, stream, ScoredSample::getRequestId);
                await("dash-v9 decided in the API", () -> {
                    JsonNode b = tryGet(url, "/api/v1/models/dash-v9/prompts");
                    return b != null
                                    && b.get("prompts").size() == 1
                                    && "DECIDED_ABOVE"
                                            .equals(b.get("prompts")
                                                    .get(0)
                                                    .path("stoppingStatus")
                                                    .asText())
                            ? null
                            : "dash-v9 not decided yet";
                });
                await(
                        "dash-v9 in the version list",
                        () -> page.findElements(By.cssSelector("#version-b option[value='dash-v9']"))
                                        .isEmpty()
                                ? "no dash-v9 option"
                                : null);
                new Select(page.findElement(By.id("version-b"))).selectByValue("dash-v9");
                await(
                        "the page to show dash-v9's decision as the API does",
                        () -> pageMatchesApi(page, url, "dash-v9", "b"));
                assertEquals(
                        1,
                        page.findElements(By.cssSelector("#prompts-b .badge.decided-above"))
                                .size());
                assertTrue(
                        page.findElement(By.id("progress-b-text"))
                                .getText()
                                .startsWith("1 of 1 prompts FINAL (1 decided early); 16 of 16 samples"),
                        page.findElement(By.id("progress-b-text")).getText());
                // for a person to look at: target/dashboard-browser-test.png
                byte[] png = ((org.openqa.selenium.TakesScreenshot) page)
                        .getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
                Files.createDirectories(Path.of("target"));
                Files.write(Path.of("target", "dashboard-browser-test.png"), png);
            } finally {
                page.quit();
            }
        }
    }
}
