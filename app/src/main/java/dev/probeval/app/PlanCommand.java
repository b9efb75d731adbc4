package dev.probeval.app;

import dev.probeval.core.bounds.BoundMode;
import dev.probeval.core.bounds.EarlyStopping;
import dev.probeval.core.bounds.SampleSizePlanner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code probeval plan}: how many samples a target needs — fixed n (SOUND) against anytime-valid (ANYTIME), from
 * {@link SampleSizePlanner} — and, for a certification target, the expected n under early stopping for a few true
 * values, computed exactly ({@link EarlyStopping#expectBernoulli}, no simulation).
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Plan sample sizes: n needed with a fixed n vs. anytime-valid bounds, and the expected n",
            "under anytime-valid early stopping (exact, for 0/1 scores) for a few true values.",
            "Exactly one target: --certify-bin P, --certify-mu T, --mu-width EPS or --band-width EPS.",
            "Exit 0, or 2 on bad input."
        })
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--certify-bin",
            paramLabel = "P",
            description = "Target: certify P(leak) < P (M_bin at --leak-threshold), early-stopping rule m_bin vs P.")
    Double certifyBin;

    @Option(
            names = "--certify-mu",
            paramLabel = "T",
            description = "Target: certify E[score] < T (M_mu), early-stopping rule m_mu vs T.")
    Double certifyMu;

    @Option(
            names = "--mu-width",
            paramLabel = "EPS",
            description = "Target: M_mu at most EPS above the sample mean (a width, no stopping rule).")
    Double muWidth;

    @Option(
            names = "--band-width",
            paramLabel = "EPS",
            description = "Target: the M_gen CDF band at most EPS wide on each side (a width, no stopping rule).")
    Double bandWidth;

    @Mixin
    BoundsOptions.Alpha alpha;

    @Option(
            names = "--suite-size",
            defaultValue = "1",
            paramLabel = "Q",
            description = "Prompts in the suite: each is planned at alpha/Q (Bonferroni; default: ${DEFAULT-VALUE}).")
    int suiteSize;

    @Option(
            names = "--decide",
            defaultValue = "EITHER",
            paramLabel = "SIDE",
            description =
                    "Which side decides the early-stopping rule: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    EarlyStopping.Decide decide;

    @Option(
            names = "--cap",
            paramLabel = "N",
            description = "numSamples, the cap of an early-stopped stream (default: twice the anytime n, at least 64).")
    Integer cap;

    @Option(
            names = "--chunk-size",
            defaultValue = "32",
            paramLabel = "N",
            description = "The worker's --chunk-size: the rule is checked at 8, 16, 32, 64, then every N samples "
                    + "(default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(
            names = "--true-value",
            split = ",",
            paramLabel = "V",
            description = "True P(leak) or E[score] values to show the expected n for (default: 0, T/4, T/2, T, 2T, "
                    + "5T, 0.5, clipped to [0, 1]).")
    List<Double> trueValues = new ArrayList<>();

    @Override
    public Integer call() {
        int targets = (certifyBin != null ? 1 : 0)
                + (certifyMu != null ? 1 : 0)
                + (muWidth != null ? 1 : 0)
                + (bandWidth != null ? 1 : 0);
        if (targets != 1) {
            throw new UsageException(
                    "give exactly one target: --certify-bin, --certify-mu, --mu-width or --band-width");
        }
        if (!(alpha.value > 0 && alpha.value <= 0.5)) {
            throw new UsageException("--alpha must be in (0, 0.5], got " + alpha.value);
        }
        if (suiteSize < 1) {
            throw new UsageException("--suite-size must be >= 1, got " + suiteSize);
        }
        if (chunkSize < 1) {
            throw new UsageException("--chunk-size must be >= 1, got " + chunkSize);
        }
        double a = alpha.value / suiteSize;
        PrintWriter out = spec.commandLine().getOut();
        String share = suiteSize > 1 ? " (alpha/Q = " + fmt(a) + " per prompt)" : "";
        try {
            if (muWidth != null || bandWidth != null) {
                boolean mu = muWidth != null;
                double eps = mu ? muWidth : bandWidth;
                check(mu ? "--mu-width" : "--band-width", eps, true);
                long fixed = mu
                        ? SampleSizePlanner.samplesForMeanWidth(eps, a, BoundMode.SOUND)
                        : SampleSizePlanner.samplesForBandWidth(eps, a, BoundMode.SOUND);
                long any = mu
                        ? SampleSizePlanner.samplesForMeanWidth(eps, a, BoundMode.ANYTIME)
                        : SampleSizePlanner.samplesForBandWidth(eps, a, BoundMode.ANYTIME);
                out.println("target: " + (mu ? "M_mu - mean" : "M_gen band half width") + " <= " + fmt(eps) + ", alpha "
                        + fmt(alpha.value) + share);
                out.println("fixed n (sound):     n = " + fixed);
                out.println("anytime (any n):     n = " + any + "  ("
                        + String.format(Locale.ROOT, "%.2f", (double) any / fixed)
                        + "x; the price of being valid at every n)");
                out.flush();
                return 0;
            }
            boolean bin = certifyBin != null;
            double t = bin ? certifyBin : certifyMu;
            check(bin ? "--certify-bin" : "--certify-mu", t, true);
            EarlyStopping.Decide side = decide;
            long fixed = bin
                    ? SampleSizePlanner.zeroLeakSamples(t, a, BoundMode.SOUND)
                    : SampleSizePlanner.samplesForMeanWidth(t, a, BoundMode.SOUND);
            long any = bin
                    ? SampleSizePlanner.zeroLeakSamples(t, a, BoundMode.ANYTIME)
                    : SampleSizePlanner.samplesForMeanWidth(t, a, BoundMode.ANYTIME);
            int n = cap != null ? cap : (int) Math.min(100_000, Math.max(64, 2 * any));
            if (n < 1) {
                throw new UsageException("--cap must be >= 1, got " + n);
            }
            EarlyStopping.Rule rule = new EarlyStopping.Rule(
                    bin ? EarlyStopping.Metric.M_BIN : EarlyStopping.Metric.M_MU, 0.5, t, side, 1);
            EarlyStopping s = new EarlyStopping(rule, alpha.value, n, suiteSize);
            String what = bin ? "P(leak)" : "E[score]";
            out.println("target: certify " + what + " < " + fmt(t) + ", alpha " + fmt(alpha.value) + share);
            out.println("fixed n (sound):     n = " + fixed
                    + (bin ? "  (zero leaks in n samples)" : "  (a mean of 0 in n samples)"));
            out.println("anytime (any n):     n = " + any + "  (same, valid at every n: may stop early)");
            out.println("early stopping: rule " + (bin ? "m_bin" : "m_mu") + " vs " + fmt(t) + ", decide "
                    + side.name().toLowerCase(Locale.ROOT) + ", cap " + n + ", checked at " + checkpointsText(n));
            out.println("expected n by true " + what + " (exact, for 0/1 scores; fixed-n always draws " + n + "):");
            out.println(String.format(
                    Locale.ROOT, "  %-10s %10s %9s %9s %9s %9s", "true", "E[n]", "saving", "below", "above", "at cap"));
            for (double v : values(t)) {
                EarlyStopping.Expectation e = s.expectBernoulli(v, n, chunkSize);
                out.println(String.format(
                        Locale.ROOT,
                        "  %-10s %10.1f %8.1fx %9.4f %9.4f %9.4f",
                        fmt(v),
                        e.expectedN(),
                        n / e.expectedN(),
                        e.decidedBelow(),
                        e.decidedAbove(),
                        e.undecided()));
            }
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private List<Double> values(double t) {
        List<Double> vs = new ArrayList<>(trueValues);
        if (vs.isEmpty()) {
            TreeSet<Double> d = new TreeSet<>();
            for (double v : new double[] {0, t / 4, t / 2, t, 2 * t, 5 * t, 0.5}) {
                d.add(Math.min(1.0, v));
            }
            vs.addAll(d);
        }
        for (double v : vs) {
            check("--true-value", v, false);
        }
        return vs;
    }

    private String checkpointsText(int n) {
        List<Integer> c = EarlyStopping.checkpoints(n, chunkSize);
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < c.size() && i < 6; i++) {
            shown.add(String.valueOf(c.get(i)));
        }
        return String.join(", ", shown) + (c.size() > 6 ? ", ... " + n : "");
    }

    private static void check(String option, double v, boolean open) {
        if (!(open ? v > 0 && v < 1 : v >= 0 && v <= 1)) {
            throw new UsageException(option + " must be in " + (open ? "(0, 1)" : "[0, 1]") + ", got " + v);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+$", "").replaceAll("\\.?0+e", "e");
    }
}
