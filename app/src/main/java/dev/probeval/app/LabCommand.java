package dev.probeval.app;

import dev.probeval.lab.DataSplit;
import dev.probeval.lab.Lab;
import dev.probeval.lab.LabConfig;
import dev.probeval.lab.Method;
import dev.probeval.lab.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval lab}: the unlearning lab. {@code train} fits base (forget ∪ retain) and retain-only,
 * {@code unlearn} runs GA / GD / NPO with and without the entropy term from base, {@code run} does both. Models land
 * in the lab cache ({@code ~/.cache/probeval/lab}, {@code $PROBEVAL_LAB_CACHE} or {@code --cache-dir}).
 */
@Command(
        name = "lab",
        mixinStandardHelpOptions = true,
        description = "Unlearning lab on TOFU-mini: train base and retain-only, unlearn, save every checkpoint.",
        subcommands = {LabCommand.Run.class, LabCommand.Train.class, LabCommand.Unlearn.class, LabCommand.Report.class})
final class LabCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: run, train or unlearn");
    }

    /** Options every lab subcommand shares. */
    static final class Common {
        @Mixin
        LabOptions where;

        @Mixin
        TofuOptions data;

        @Option(names = "--force", description = "Retrain even when the versions exist.")
        boolean force;

        LabConfig config() throws IOException {
            try {
                return LabConfig.load(where.config);
            } catch (IOException | IllegalArgumentException e) {
                if (where.config != null) {
                    throw new UsageException(e.getMessage());
                }
                throw e;
            }
        }

        ModelStore store() {
            return new ModelStore(where.cacheDir != null ? where.cacheDir : ModelStore.defaultRoot());
        }

        Lab lab(CommandSpec spec) throws IOException {
            LabConfig cfg = config();
            PrintWriter err = spec.commandLine().getErr();
            DataSplit split = data.split(cfg, err);
            ModelStore store = store();
            err.printf(
                    "lab: TOFU-mini %d forget + %d retain questions, split hash %s; cache %s%n",
                    split.forget().size(), split.retain().size(), split.hash(), store.root());
            err.flush();
            return new Lab(cfg, split, store, err);
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Train base and retain-only (unless cached), then every unlearning run.")
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Override
        public Integer call() throws IOException {
            Lab lab = common.lab(spec);
            long t0 = System.nanoTime();
            lab.trainBaseModels(common.force);
            long t1 = System.nanoTime();
            List<String> v = lab.unlearnAll(common.force);
            long t2 = System.nanoTime();
            spec.commandLine()
                    .getErr()
                    .printf(
                            "lab: base models %.1f s, unlearning %.1f s, %d checkpoint versions%n",
                            (t1 - t0) / 1e9, (t2 - t1) / 1e9, v.size());
            printVersions(spec, common.store());
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train base and retain-only.")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Override
        public Integer call() throws IOException {
            common.lab(spec).trainBaseModels(common.force);
            printVersions(spec, common.store());
            return 0;
        }
    }

    @Command(
            name = "unlearn",
            mixinStandardHelpOptions = true,
            description = "Unlearn from base with the configured methods, with and without the entropy term.")
    static final class Unlearn implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Option(
                names = "--method",
                paramLabel = "METHOD",
                description = "Only this method, repeatable: ${COMPLETION-CANDIDATES} (default: the config's methods).")
        List<Method> methods = new ArrayList<>();

        /** Which runs of each method: with the entropy term, without it, or both. */
        enum Entropy {
            BOTH(false, true),
            ON(true),
            OFF(false);

            final boolean[] flags;

            Entropy(boolean... flags) {
                this.flags = flags;
            }
        }

        @Option(
                names = "--entropy",
                paramLabel = "WHICH",
                defaultValue = "BOTH",
                description = "With the entropy term (ON), without it (OFF), or both: ${COMPLETION-CANDIDATES} "
                        + "(default: ${DEFAULT-VALUE}).")
        Entropy entropy;

        @Override
        public Integer call() throws IOException {
            boolean[] flags = entropy.flags;
            List<Method> ms = new ArrayList<>(methods);
            Lab lab = common.lab(spec);
            if (ms.isEmpty()) {
                for (String m : common.config().unlearn().methods()) {
                    ms.add(Method.parse(m));
                }
            }
            for (Method m : ms) {
                for (boolean e : flags) {
                    lab.unlearn(m, e, common.force);
                }
            }
            printVersions(spec, common.store());
            return 0;
        }
    }

    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description = "Write the results table and charts from an evaluate-offline --results file into a page.")
    static final class Report implements Callable<Integer> {
        @Option(names = "--results", paramLabel = "FILE", defaultValue = "docs/unlearning-results.json")
        Path results;

        @Option(names = "--page", paramLabel = "FILE", defaultValue = "docs/unlearning-results.md")
        Path page;

        @Override
        public Integer call() throws IOException {
            if (!java.nio.file.Files.isRegularFile(results)) {
                throw new UsageException("--results " + results + ": file not found");
            }
            dev.probeval.lab.ResultsReport.write(results, page);
            return 0;
        }
    }

    static void printVersions(CommandSpec spec, ModelStore store) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        for (String v : store.versions()) {
            out.println(v + "\t" + store.dir(v));
        }
        out.flush();
    }
}
