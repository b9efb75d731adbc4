package dev.probeval.benchmarks.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.core.scoring.RougeTokenizer;
import dev.probeval.testsupport.SharedDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The (prediction, reference) pairs the scoring benchmarks run on: every TOFU log pair in {@code ../shared/data/tofu}
 * whose generated and reference answers both have 20–40 ROUGE tokens, in file-name then line order (the Python
 * reference script {@code rouge_reference_bench.py} selects the same pairs). Without the shared directory, seeded
 * synthetic pairs of the same lengths.
 */
final class BenchPairs {

    static final int MIN_TOKENS = 20;
    static final int MAX_TOKENS = 40;

    final List<String> predictions = new ArrayList<>();
    final List<String> references = new ArrayList<>();
    final String source;

    private BenchPairs(String source) {
        this.source = source;
    }

    static BenchPairs load() {
        Optional<Path> dir = SharedDir.file("data/tofu");
        return dir.isPresent() ? fromTofu(dir.get()) : synthetic(500);
    }

    private static BenchPairs fromTofu(Path dir) {
        BenchPairs pairs = new BenchPairs("TOFU logs in " + dir);
        ObjectMapper json = new ObjectMapper();
        RougeTokenizer tok = RougeTokenizer.stemming();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    JsonNode rec = json.readTree(line);
                    String gen = rec.get("generated").asText();
                    String ref = rec.get("reference").asText();
                    if (inRange(tok.tokenize(gen).length) && inRange(tok.tokenize(ref).length)) {
                        pairs.predictions.add(gen);
                        pairs.references.add(ref);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pairs;
    }

    private static boolean inRange(int n) {
        return n >= MIN_TOKENS && n <= MAX_TOKENS;
    }

    private static BenchPairs synthetic(int count) {
        String[] vocab = ("the author was born in city and writes novels about history family war love his her father "
                        + "mother worked as engineer teacher doctor award prize literature prestigious received honored books "
                        + "series genre fantasy biography known for exceptional contribution themes identity culture")
                .split(" ");
        BenchPairs pairs = new BenchPairs("synthetic (no shared directory)");
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < count; i++) {
            pairs.references.add(sentence(rng, vocab));
            pairs.predictions.add(sentence(rng, vocab));
        }
        return pairs;
    }

    private static String sentence(SplittableRandom rng, String[] vocab) {
        int n = rng.nextInt(MIN_TOKENS, MAX_TOKENS + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : i % 9 == 0 ? ", " : " ").append(vocab[rng.nextInt(vocab.length)]);
        }
        return sb.append('.').toString();
    }
}
