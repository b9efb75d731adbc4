package dev.probeval.core.scoring;

import java.util.List;
import java.util.Objects;

/**
 * ROUGE-L or ROUGE-1 as a {@link Scorer}, with {@code rouge_score}'s tokenization and NLTK-mode stemming
 * (paper-spec §2.2). {@code score(prediction, reference)} equals {@code
 * RougeScorer([type], use_stemmer=True).score(reference, prediction)[type].<measure>}: recall divides by the
 * reference's length, precision by the prediction's.
 */
public final class RougeScorer implements Scorer {

    private final Rouge.Variant variant;
    private final Rouge.Measure measure;
    private final RougeTokenizer tokenizer;

    /** A scorer on the shared stem cache. */
    public RougeScorer(Rouge.Variant variant, Rouge.Measure measure) {
        this(variant, measure, RougeTokenizer.stemming());
    }

    /** A scorer with a given tokenizer (for example one without stemming, or on a private cache). */
    public RougeScorer(Rouge.Variant variant, Rouge.Measure measure, RougeTokenizer tokenizer) {
        this.variant = Objects.requireNonNull(variant, "variant");
        this.measure = Objects.requireNonNull(measure, "measure");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /** Precision, recall and F-measure at once. */
    public Rouge.Score scores(String prediction, String reference) {
        return Rouge.of(variant, tokenizer.tokenize(prediction), tokenizer.tokenize(reference));
    }

    @Override
    public double score(String prediction, String reference) {
        return scores(prediction, reference).get(measure);
    }

    /** Tokenizes the prediction once for all references; the maximum of the chosen measure. */
    @Override
    public double score(String prediction, List<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("at least one reference is required");
        }
        String[] p = tokenizer.tokenize(prediction);
        double best = Double.NEGATIVE_INFINITY;
        for (String reference : references) {
            best = Math.max(
                    best, Rouge.of(variant, p, tokenizer.tokenize(reference)).get(measure));
        }
        return best;
    }

    @Override
    public String toString() {
        return (variant == Rouge.Variant.ROUGE_L ? "rougeL_" : "rouge1_")
                + measure.name().toLowerCase(java.util.Locale.ROOT);
    }
}
