package dev.probeval.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.probeval.core.bounds.AnytimeBounds;
import dev.probeval.core.bounds.BoundConfig;
import dev.probeval.core.bounds.BoundReport;
import dev.probeval.core.bounds.Bounds;
import dev.probeval.core.bounds.ScoreAccumulator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code probeval bounds}: every metric of a list of scores in [0,1] (M_μ, M_σ, M_ED, M_gen, M_bin and their lower
 * bounds), for one stream, one prompt per line, or every prefix of a stream (what a dashboard shows as it grows).
 */
@Command(
        name = "bounds",
        mixinStandardHelpOptions = true,
        description = {
            "Bound the output-score distribution of one prompt from sampled scores in [0,1].",
            "Reads scores separated by whitespace or newlines from FILE or standard input and prints one JSON object.",
            "alpha is the target one-sided miscoverage: each upper bound holds with probability >= 1-alpha. "
                    + "m_gen(T) bounds P(score > T); m_bin bounds P(score >= TAU); k = #{score >= TAU}."
        })
final class BoundsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Plain decimal numbers only: Java would also accept "0.5f", "0x1p-1" or "Infinity". */
    private static final java.util.regex.Pattern DECIMAL = BoundsOptions.Decimal.PATTERN;

    @Spec
    CommandSpec spec;

    @Mixin
    BoundsOptions.Alpha alpha;

    @Mixin
    BoundsOptions.Mode mode;

    @Option(
            names = "--threshold",
            paramLabel = "T",
            description = "Threshold x for m_gen(x), an upper bound on P(score > x); repeatable.")
    List<String> thresholds = new ArrayList<>();

    @Mixin
    BoundsOptions.LeakThreshold leakThreshold;

    @Mixin
    BoundsOptions.EdLambda lambda;

    @Option(
            names = "--conbo-sigma",
            paramLabel = "CONVENTION",
            defaultValue = "DOC",
            description = "In CONBO mode, pass alpha (DOC) or 2*alpha (DEMO, as the authors' notebook) to std_bounds: "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    BoundConfig.ConboSigmaConvention conboSigma;

    @Option(names = "--per-line", description = "Each input line is one prompt's score list; one JSON object per line.")
    boolean perLine;

    @Option(
            names = "--trace",
            paramLabel = "N1,N2,...",
            arity = "0..1",
            fallbackValue = "",
            description = "Treat the input as one stream and print one JSON object per prefix length: every n, or only "
                    + "the listed n (write --trace=N1,N2).")
    String trace;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Score file; standard input when absent or '-'.")
    String file;

    @Override
    public Integer call() throws IOException {
        TreeSet<Long> traceAt = parseTrace();
        if (perLine && trace != null) {
            throw new UsageException("--per-line and --trace cannot be combined");
        }
        BoundConfig cfg = config();
        List<String> lines = readLines();
        PrintWriter out = spec.commandLine().getOut();
        if (perLine) {
            List<ScoreAccumulator> accs = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                ScoreAccumulator acc = new ScoreAccumulator();
                parseInto(acc, List.of(lines.get(i)), i, null, null);
                accs.add(acc);
            }
            for (ScoreAccumulator acc : accs) {
                out.println(json(Bounds.compute(acc, cfg)));
            }
        } else {
            ScoreAccumulator acc = new ScoreAccumulator();
            List<String> traced = trace == null ? null : new ArrayList<>();
            parseInto(
                    acc,
                    lines,
                    0,
                    traced == null ? null : traceAt,
                    traced == null ? null : r -> traced.add(json(Bounds.compute(r, cfg))));
            if (acc.n() == 0) {
                throw new UsageException("no scores in the input (need n >= 1)");
            }
            if (traced != null) {
                traced.forEach(out::println);
            } else {
                out.println(json(Bounds.compute(acc, cfg)));
            }
        }
        out.flush();
        return 0;
    }

    private BoundConfig config() {
        List<Double> ts = new ArrayList<>();
        for (String t : thresholds) {
            ts.add(number("--threshold", t));
        }
        try {
            return new BoundConfig(
                    alpha.value,
                    mode.value,
                    leakThreshold.value,
                    ts,
                    lambda.value,
                    conboSigma,
                    AnytimeBounds.DEFAULT_DESIGN_N);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private TreeSet<Long> parseTrace() {
        if (trace == null || trace.isEmpty()) {
            return null;
        }
        TreeSet<Long> at = new TreeSet<>();
        for (String part : trace.split(",")) {
            try {
                long v = Long.parseLong(part.trim());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                at.add(v);
            } catch (NumberFormatException e) {
                if (file == null && !trace.contains(",")) {
                    // "--trace scores.txt": picocli took the file for the optional list.
                    file = trace;
                    trace = "";
                    return null;
                }
                throw new UsageException("--trace expects positive integers separated by commas, got '" + part + "'");
            }
        }
        return at;
    }

    private interface Sink {
        void accept(ScoreAccumulator acc);
    }

    /** Parses every token; reports a bad one by its value, its position in the stream and its line. */
    private void parseInto(ScoreAccumulator acc, List<String> lines, int firstLine, TreeSet<Long> traceAt, Sink sink) {
        long position = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            for (String token : line.split("\\s+")) {
                position++;
                if (!DECIMAL.matcher(token).matches()) {
                    throw bad(token, position, firstLine + i, "is not a number");
                }
                double x = Double.parseDouble(token);
                if (!Double.isFinite(x) || x < 0 || x > 1) {
                    throw bad(token, position, firstLine + i, "is not a finite score in [0,1]");
                }
                acc.add(x);
                if (sink != null && (traceAt == null || traceAt.contains(acc.n()))) {
                    sink.accept(acc);
                }
            }
        }
    }

    private static UsageException bad(String token, long position, int lineIndex, String why) {
        return new UsageException(
                "bad score '" + token + "' at position " + position + " (line " + (lineIndex + 1) + "): " + why);
    }

    private static double number(String option, String value) {
        if (!DECIMAL.matcher(value.strip()).matches()) {
            throw new UsageException(option + " expects a number, got '" + value + "'");
        }
        return Double.parseDouble(value.strip());
    }

    private List<String> readLines() throws IOException {
        if (file == null || file.equals("-")) {
            List<String> lines = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
            return lines;
        }
        try {
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("no such file: " + file);
        }
    }

    private String json(BoundReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("n", r.n());
        o.put("alpha", r.alpha());
        o.put("mode", r.mode().name().toLowerCase(java.util.Locale.ROOT));
        o.put("mean", r.mean());
        o.put("std", r.std());
        o.put("eps", r.eps());
        o.put("m_mu", r.mMu());
        o.put("m_mu_lower", r.mMuLower());
        o.put("m_sigma", r.mSigma());
        o.put("m_sigma_lower", r.mSigmaLower());
        o.put("m_ed", r.mEd());
        o.put("lambda", r.lambda());
        ObjectNode gen = o.putObject("m_gen");
        ObjectNode genGe = JSON.createObjectNode();
        for (int i = 0; i < thresholds.size(); i++) {
            double t = Double.parseDouble(thresholds.get(i));
            gen.put(thresholds.get(i), r.mGen().get(t));
            genGe.put(thresholds.get(i), r.mGenAtLeast().get(t));
        }
        o.set("m_gen_at_least", genGe);
        o.put("leak_threshold", r.leakThreshold());
        o.put("k", r.k());
        o.put("m_bin", r.mBin());
        o.put("m_bin_lower", r.mBinLower());
        if (r.approximate()) {
            o.put("approximate", true);
        }
        return o.toString();
    }
}
