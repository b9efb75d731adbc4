package dev.probeval.app;

import dev.probeval.lab.DataSplit;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.LabData;
import dev.probeval.lab.TofuSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the TOFU data comes from: {@code --tofu-dir DIR} and {@code --tofu-url URL}, the same in {@code lab
 * run|train|unlearn}, {@code evaluate-offline} and {@code demo} (the environment gives {@code PROBEVAL_TOFU_DIR} and
 * {@code PROBEVAL_TOFU_URL}). Not {@code --data-dir}: {@code demo} and {@code broker} use that for the broker's log.
 */
final class TofuOptions {
    @Option(
            names = "--tofu-dir",
            paramLabel = "DIR",
            description = "Directory holding TOFU's full.json or a TOFU evaluation log (default: $PROBEVAL_TOFU_DIR, "
                    + "else ../shared/data/tofu if present, else full.json in ~/.cache/probeval/data/tofu, "
                    + "downloaded on first use).")
    Path dir;

    @Option(
            names = "--tofu-url",
            paramLabel = "URL",
            description =
                    "Base URL that full.json is downloaded from (default: $PROBEVAL_TOFU_URL, else the Hugging Face "
                            + "dataset locuslab/TOFU).")
    String url;

    /** The data source: these options over the process defaults; a bad URL is a usage error. */
    TofuSource source() {
        try {
            return TofuSource.defaults().withDir(dir).withBaseUrl(url);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tofu-url: " + e.getMessage());
        }
    }

    /** TOFU-mini of {@code cfg}; missing or bad data (download failures included) is one line, exit 2. */
    DataSplit split(LabConfig cfg, PrintWriter log) {
        try {
            return LabData.split(cfg, source(), log);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
