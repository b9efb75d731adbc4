package dev.probeval.lab;

import com.fasterxml.jackson.core.type.TypeReference;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Turns the summary array of {@code evaluate-offline --results} into the results page: a Markdown table (written
 * between {@code <!-- results-table:start -->} and {@code <!-- results-table:end -->} of the page, so the
 * hand-written text around it stays) and two PNG charts drawn with JFreeChart: the forget set's greedy ROUGE-L,
 * max sampled ROUGE-L and M_bin over unlearning steps per method, and forget leak (M_bin) against retain utility
 * (greedy ROUGE-L) per version.
 */
public final class ResultsReport {
    static final String START = "<!-- results-table:start -->";
    static final String END = "<!-- results-table:end -->";
    private static final String[] RUNS = {"ga", "ga+ent", "gd", "gd+ent", "npo", "npo+ent"};

    private ResultsReport() {}

    /** Reads the summaries, writes the table into {@code page} and the two charts beside it. */
    public static void write(Path resultsJson, Path page) throws IOException {
        List<Map<String, Object>> rows =
                LabConfig.JSON.readValue(resultsJson.toFile(), new TypeReference<List<Map<String, Object>>>() {});
        Path dir = page.toAbsolutePath().getParent();
        String stem = page.getFileName().toString().replaceFirst("\\.md$", "");
        Path steps = dir.resolve(stem + "-steps.png");
        Path tradeoff = dir.resolve(stem + "-tradeoff.png");
        System.setProperty("java.awt.headless", "true");
        ChartUtils.saveChartAsPNG(steps.toFile(), stepsChart(rows), 1100, 1000);
        ChartUtils.saveChartAsPNG(tradeoff.toFile(), tradeoffChart(rows), 900, 650);
        String table = table(rows) + "\n![forget set over unlearning steps](" + steps.getFileName() + ")\n\n"
                + "![forget leak vs retain utility](" + tradeoff.getFileName() + ")\n";
        String text = Files.isRegularFile(page)
                ? Files.readString(page)
                : "# Unlearning results\n\n" + START + "\n" + END + "\n";
        int a = text.indexOf(START);
        int b = text.indexOf(END);
        if (a < 0 || b < a) {
            throw new IOException(page + ": lacks the markers " + START + " and " + END);
        }
        Files.writeString(page, text.substring(0, a + START.length()) + "\n" + table + text.substring(b));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> part(Map<String, Object> row, String split) {
        return (Map<String, Object>) row.get(split);
    }

    static double num(Map<String, Object> m, String key) {
        return m == null || m.get(key) == null ? Double.NaN : ((Number) m.get(key)).doubleValue();
    }

    /** The run a version belongs to ({@code ga+ent}), or its own name for base and retain-only. */
    static String run(Map<String, Object> row) {
        String v = String.valueOf(row.get("version"));
        return v.replaceFirst("-s\\d+$", "");
    }

    static String table(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| version | decoding | forget greedy | forget sampled mean | forget max sampled | forget M_μ | "
                + "forget M_bin | forget hidden leaks | retain greedy | retain sampled mean | retain M_bin |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            Map<String, Object> f = part(r, "forget");
            Map<String, Object> t = part(r, "retain");
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %s/%s | %.3f | %.3f | " + "%.3f |%n",
                    r.get("version"),
                    Boolean.TRUE.equals(r.get("adaptive_temperature")) ? "adaptive" : "T=1",
                    num(f, "greedy_rougeL_recall_mean"),
                    num(f, "sampled_rougeL_recall_mean"),
                    num(f, "sampled_rougeL_recall_max_mean"),
                    num(f, "m_mu_mean"),
                    num(f, "m_bin_mean"),
                    f == null ? "-" : f.get("hidden_leak_prompts"),
                    f == null ? "-" : f.get("prompts"),
                    num(t, "greedy_rougeL_recall_mean"),
                    num(t, "sampled_rougeL_recall_mean"),
                    num(t, "m_bin_mean")));
        }
        return sb.toString();
    }

    private static JFreeChart stepsChart(List<Map<String, Object>> rows) {
        Map<String, Object> base = null;
        for (Map<String, Object> r : rows) {
            if ("base".equals(r.get("version")) && !Boolean.TRUE.equals(r.get("adaptive_temperature"))) {
                base = r;
            }
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("unlearning step (0 = base)"));
        for (String run : RUNS) {
            XYSeries greedy = new XYSeries("greedy ROUGE-L");
            XYSeries max = new XYSeries("max sampled ROUGE-L (T=1)");
            XYSeries bin = new XYSeries("M_bin (T=1)");
            XYSeries binA = new XYSeries("M_bin (adaptive)");
            if (base != null) {
                greedy.add(0, num(part(base, "forget"), "greedy_rougeL_recall_mean"));
                max.add(0, num(part(base, "forget"), "sampled_rougeL_recall_max_mean"));
                bin.add(0, num(part(base, "forget"), "m_bin_mean"));
            }
            boolean any = false;
            for (Map<String, Object> r : rows) {
                if (!run.equals(run(r))) {
                    continue;
                }
                any = true;
                double step = ((Number) r.get("step")).doubleValue();
                Map<String, Object> f = part(r, "forget");
                if (Boolean.TRUE.equals(r.get("adaptive_temperature"))) {
                    binA.add(step, num(f, "m_bin_mean"));
                } else {
                    greedy.add(step, num(f, "greedy_rougeL_recall_mean"));
                    max.add(step, num(f, "sampled_rougeL_recall_max_mean"));
                    bin.add(step, num(f, "m_bin_mean"));
                }
            }
            if (!any) {
                continue;
            }
            XYSeriesCollection ds = new XYSeriesCollection();
            ds.addSeries(greedy);
            ds.addSeries(max);
            ds.addSeries(bin);
            if (binA.getItemCount() > 0) {
                ds.addSeries(binA);
            }
            NumberAxis y = new NumberAxis(run);
            y.setRange(0, 1.05);
            XYLineAndShapeRenderer ren = new XYLineAndShapeRenderer(true, true);
            Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};
            for (int i = 0; i < colors.length; i++) {
                ren.setSeriesPaint(i, colors[i]);
                ren.setSeriesStroke(i, new BasicStroke(2f));
            }
            XYPlot sub = new XYPlot(ds, null, y, ren);
            sub.setBackgroundPaint(Color.WHITE);
            sub.setRangeGridlinePaint(Color.LIGHT_GRAY);
            plot.add(sub, 1);
        }
        JFreeChart chart = new JFreeChart(
                "Forget set over unlearning steps: greedy vs sampled leak", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle("means over forget questions; M_bin = SOUND upper bound on P(ROUGE-L recall"
                + " >= tau) per prompt at alpha 0.01"));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static JFreeChart tradeoffChart(List<Map<String, Object>> rows) {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            String name = run(r) + (Boolean.TRUE.equals(r.get("adaptive_temperature")) ? " (adaptive)" : "");
            series.computeIfAbsent(name, XYSeries::new)
                    .add(num(part(r, "retain"), "greedy_rougeL_recall_mean"), num(part(r, "forget"), "m_bin_mean"));
        }
        XYSeriesCollection ds = new XYSeriesCollection();
        series.values().forEach(ds::addSeries);
        NumberAxis x = new NumberAxis("retain utility: mean greedy ROUGE-L recall on retain");
        NumberAxis y = new NumberAxis("forget leak: mean M_bin on forget");
        x.setRange(0, 1.05);
        y.setRange(0, 1.05);
        XYLineAndShapeRenderer ren = new XYLineAndShapeRenderer(false, true);
        XYPlot plot = new XYPlot(ds, x, y, ren);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart =
                new JFreeChart("Forget leak vs retain utility per version", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** For tests: the versions in a results file, in order. */
    static List<String> versions(List<Map<String, Object>> rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(String.valueOf(r.get("version"))));
        return out;
    }
}
