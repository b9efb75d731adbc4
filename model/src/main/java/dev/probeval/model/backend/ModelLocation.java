package dev.probeval.model.backend;

import dev.probeval.model.gpt.GptModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a local model's files are, resolved by one rule set for every caller (the CLI's commands, the sampler
 * worker's catalog, {@link Models#open}):
 *
 * <ul>
 *   <li>a directory with a small-GPT {@code manifest.json} is that model; it carries its tokenizer, so none may be
 *       given;
 *   <li>a llama2.c checkpoint file ({@code .bin}) needs its vocabulary: the one given, else {@code tokenizer.bin}
 *       beside it;
 *   <li>a directory without a manifest must hold exactly one llama2.c checkpoint (a {@code .bin} whose name does not
 *       start with {@code tok}) and, unless one is given, its vocabulary: {@code tokenizer.bin}, else the only
 *       {@code tok*.bin}.
 * </ul>
 *
 * <p>A location that breaks a rule is a {@link Problem}: the path it is about, which of the two paths that is, and
 * what is missing, so that each caller can name the path in its own syntax on one line.
 *
 * @param checkpoint the small-GPT directory or the llama2.c checkpoint file
 * @param tokenizer the llama2.c vocabulary file; null for a small-GPT directory
 * @param defaultName the name to serve the model under: the directory's name, or the checkpoint's without
 *     {@code .bin}
 */
public record ModelLocation(Path checkpoint, Path tokenizer, String defaultName) {
    /** The vocabulary file looked for beside a llama2.c checkpoint. */
    public static final String TOKENIZER_FILE = "tokenizer.bin";

    /** Which of the two paths a {@link Problem} is about. */
    public enum Part {
        MODEL,
        TOKENIZER
    }

    /** A location that breaks a rule; the message is {@code PATH: what is wrong}, one line. */
    public static final class Problem extends IllegalArgumentException {
        private final transient Path path;
        private final Part part;
        private final String reason;

        Problem(Path path, Part part, String reason) {
            super(path + ": " + reason);
            this.path = path;
            this.part = part;
            this.reason = reason;
        }

        /** The path the problem is about. */
        public Path path() {
            return path;
        }

        /** Whether {@link #path()} is the model location or the tokenizer given with it. */
        public Part part() {
            return part;
        }

        /** What is wrong or missing, without the path. */
        public String reason() {
            return reason;
        }
    }

    /** True for a small-GPT directory (its tokenizer is inside it). */
    public boolean isGptDirectory() {
        return tokenizer == null;
    }

    /**
     * Resolves {@code model} (and {@code tokenizer}, which may be null) by the rules above; nothing is opened.
     *
     * @throws Problem when a file is missing or the two paths do not fit together
     */
    public static ModelLocation resolve(Path model, Path tokenizer) {
        if (!Files.exists(model)) {
            throw new Problem(model, Part.MODEL, "not found");
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new Problem(tokenizer, Part.TOKENIZER, "not found");
        }
        String name = model.toAbsolutePath().normalize().getFileName().toString();
        if (Files.isDirectory(model)) {
            if (GptModel.isModelDirectory(model)) {
                if (tokenizer != null) {
                    throw new Problem(model, Part.MODEL, "a small-GPT directory carries its tokenizer; give none");
                }
                return new ModelLocation(model, null, name);
            }
            List<Path> bins = binaries(model);
            List<Path> checkpoints = bins.stream().filter(p -> !isVocabulary(p)).toList();
            if (checkpoints.size() != 1) {
                throw new Problem(
                        model,
                        Part.MODEL,
                        "no " + GptModel.MANIFEST + " and " + checkpoints.size()
                                + " llama2.c checkpoints (.bin) in it; need the manifest or exactly one checkpoint");
            }
            Path tok = tokenizer;
            if (tok == null) {
                List<Path> vocabularies =
                        bins.stream().filter(ModelLocation::isVocabulary).toList();
                Path named = model.resolve(TOKENIZER_FILE);
                if (Files.isRegularFile(named)) {
                    tok = named;
                } else if (vocabularies.size() == 1) {
                    tok = vocabularies.get(0);
                } else {
                    throw new Problem(
                            model,
                            Part.MODEL,
                            "missing the checkpoint's vocabulary: " + vocabularies.size()
                                    + " tok*.bin files in it and no tokenizer given");
                }
            }
            return new ModelLocation(checkpoints.get(0), tok, name);
        }
        Path tok = tokenizer != null ? tokenizer : model.resolveSibling(TOKENIZER_FILE);
        if (!Files.isRegularFile(tok)) {
            throw new Problem(
                    model,
                    Part.MODEL,
                    "missing the llama2.c checkpoint's vocabulary: no " + TOKENIZER_FILE
                            + " beside it and no tokenizer given");
        }
        return new ModelLocation(model, tok, name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name);
    }

    private static boolean isVocabulary(Path p) {
        return p.getFileName().toString().startsWith("tok");
    }

    private static List<Path> binaries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p ->
                            Files.isRegularFile(p) && p.getFileName().toString().endsWith(".bin"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
