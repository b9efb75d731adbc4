package dev.probeval.core.scoring;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The named scoring metrics, as they appear in requests and on the command line ({@code --metric rougeL_recall}).
 * {@code rougeL_recall} is TOFU's convention; {@code rougeL_f1} reproduces the paper's released demo. A metric may
 * have aliases: {@code exact_match} (the name the request contract documents) is {@code exact}.
 */
enum Metric {
    ROUGE_L_RECALL("rougeL_recall", () -> new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.RECALL)),
    ROUGE_L_PRECISION("rougeL_precision", () -> new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.PRECISION)),
    ROUGE_L_F1("rougeL_f1", () -> new RougeScorer(Rouge.Variant.ROUGE_L, Rouge.Measure.F1)),
    ROUGE_1_RECALL("rouge1_recall", () -> new RougeScorer(Rouge.Variant.ROUGE_1, Rouge.Measure.RECALL)),
    ROUGE_1_PRECISION("rouge1_precision", () -> new RougeScorer(Rouge.Variant.ROUGE_1, Rouge.Measure.PRECISION)),
    ROUGE_1_F1("rouge1_f1", () -> new RougeScorer(Rouge.Variant.ROUGE_1, Rouge.Measure.F1)),
    EXACT("exact", ExactMatchScorer::new, "exact_match"),
    CONTAINS("contains", ContainsScorer::new),
    REGEX("regex", RegexScorer::new);

    private final String metricName;
    private final Supplier<Scorer> factory;
    private final List<String> aliases;

    Metric(String metricName, Supplier<Scorer> factory, String... aliases) {
        this.metricName = metricName;
        this.factory = factory;
        this.aliases = List.of(aliases);
    }

    /** The external name, e.g. {@code rougeL_recall}. */
    public String metricName() {
        return metricName;
    }

    /** A new scorer for this metric. */
    public Scorer newScorer() {
        return factory.get();
    }

    /** All external names, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Metric::metricName).collect(Collectors.toUnmodifiableList());
    }

    /**
     * The metric with this external name (case ignored).
     *
     * @throws IllegalArgumentException naming the valid metrics, if there is none
     */
    public static Metric fromName(String name) {
        if (name != null) {
            String key = name.strip().toLowerCase(Locale.ROOT);
            for (Metric m : values()) {
                if (m.metricName.toLowerCase(Locale.ROOT).equals(key)) {
                    return m;
                }
                for (String alias : m.aliases) {
                    if (alias.toLowerCase(Locale.ROOT).equals(key)) {
                        return m;
                    }
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown metric '" + name + "'; expected one of " + String.join(", ", names()));
    }

    @Override
    public String toString() {
        return metricName;
    }
}
