package dev.probeval.benchmarks.scoring;

import dev.probeval.core.scoring.Rouge;
import dev.probeval.core.scoring.RougeTokenizer;
import dev.probeval.core.scoring.Scorer;
import dev.probeval.core.scoring.Scorers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * ROUGE-L of answer-length pairs (20–40 tokens each side) with warm stem caches: the cost the sampler worker pays
 * per sample. Each operation scores the next pair, cycling through all of them, so JMH's time per operation is the
 * time per pair. Run it with {@code benchmarks/scoring-bench.sh}, which also times the reference method side by
 * side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RougeBenchmark {

    private String[] predictions;
    private String[] references;
    private String[][] predictionTokens;
    private String[][] referenceTokens;
    private final Scorer rougeLRecall = Scorers.create("rougeL_recall");
    private final Scorer rougeLF1 = Scorers.create("rougeL_f1");
    private int next;

    private int nextPair() {
        int i = next;
        next = i + 1 == predictions.length ? 0 : i + 1;
        return i;
    }

    @Setup
    public void setUp() {
        BenchPairs pairs = BenchPairs.load();
        predictions = pairs.predictions.toArray(String[]::new);
        references = pairs.references.toArray(String[]::new);
        predictionTokens = new String[predictions.length][];
        referenceTokens = new String[predictions.length][];
        double sum = 0;
        long tokens = 0;
        for (int i = 0; i < predictions.length; i++) {
            predictionTokens[i] = RougeTokenizer.stemming().tokenize(predictions[i]);
            referenceTokens[i] = RougeTokenizer.stemming().tokenize(references[i]);
            tokens += predictionTokens[i].length + referenceTokens[i].length;
            sum += rougeLRecall.score(predictions[i], references[i]);
        }
        System.out.printf(
                "%n[scoring bench] pairs=%d mean tokens/answer=%.1f sum(rougeL_recall)=%.12f source=%s%n",
                predictions.length, tokens / (2.0 * predictions.length), sum, pairs.source);
    }

    /** Full ROUGE-L recall of one pair: tokenize both sides (warm stem cache) and LCS. */
    @Benchmark
    public double rougeLRecall() {
        int i = nextPair();
        return rougeLRecall.score(predictions[i], references[i]);
    }

    /** Full ROUGE-L F-measure of one pair. */
    @Benchmark
    public double rougeLF1() {
        int i = nextPair();
        return rougeLF1.score(predictions[i], references[i]);
    }

    /** Tokenization of one pair alone (both sides, warm stem cache). */
    @Benchmark
    public void tokenizeBoth(Blackhole bh) {
        int i = nextPair();
        bh.consume(RougeTokenizer.stemming().tokenize(predictions[i]));
        bh.consume(RougeTokenizer.stemming().tokenize(references[i]));
    }

    /** LCS of one pre-tokenized pair alone. */
    @Benchmark
    public int lcsOnly() {
        int i = nextPair();
        return Rouge.lcsLength(predictionTokens[i], referenceTokens[i]);
    }
}
