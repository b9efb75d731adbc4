package dev.probeval.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsReportTest {
    static String row(
            String version, String method, boolean ent, boolean adaptive, int step, double greedy, double bin) {
        String split = "{\"prompts\":2,\"greedy_rougeL_recall_mean\":" + greedy + ",\"sampled_rougeL_recall_mean\":0.4,"
                + "\"sampled_rougeL_recall_max_mean\":0.9,\"m_mu_mean\":0.6,\"m_bin_mean\":" + bin
                + ",\"hidden_leak_prompts\":1,\"n\":8,\"alpha\":0.01,\"tau\":0.5}";
        return "{\"version\":\"" + version + "\",\"method\":\"" + method + "\",\"entropy\":" + ent
                + ",\"adaptive_temperature\":" + adaptive + ",\"step\":" + step + ",\"forget\":" + split
                + ",\"retain\":"
                + split + "}";
    }

    @Test
    void reportShouldFillTheTableBetweenTheMarkersAndDrawBothCharts(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("r.json");
        Files.writeString(
                json,
                "[" + row("base", "finetune", false, false, 800, 0.95, 0.9) + ","
                        + row("ga-s5", "ga", false, false, 5, 0.3, 0.7) + ","
                        + row("ga-s5", "ga", false, true, 5, 0.3, 0.2) + ","
                        + row("ga+ent-s5", "ga", true, false, 5, 0.2, 0.4) + "]");
        Path page = dir.resolve("results.md");
        Files.writeString(
                page,
                "# Results\n\nintro\n\n" + ResultsReport.START + "\nold\n" + ResultsReport.END + "\n\nverdict stays\n");
        ResultsReport.write(json, page);
        String text = Files.readString(page);
        assertTrue(text.startsWith("# Results\n\nintro"));
        assertTrue(text.endsWith("verdict stays\n"));
        assertTrue(!text.contains("\nold\n"));
        assertTrue(text.contains("| ga-s5 | adaptive | 0.300 | 0.400 | 0.900 | 0.600 | 0.200 | 1/2 |"), text);
        assertEquals(
                4,
                text.lines()
                        .filter(l -> l.startsWith("| ") && !l.startsWith("| version"))
                        .count());
        for (String png : new String[] {"results-steps.png", "results-tradeoff.png"}) {
            byte[] b = Files.readAllBytes(dir.resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
    }
}
