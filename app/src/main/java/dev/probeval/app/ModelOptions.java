package dev.probeval.app;

import dev.probeval.model.backend.ModelLocation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a local model is ({@code --model PATH}, {@code --tokenizer PATH}), for every command that opens one file set,
 * resolved by {@link ModelLocation}'s one rule set.
 */
final class ModelOptions {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "llama2.c checkpoint (.bin), a directory holding one checkpoint and its vocabulary, or a "
                    + "small-GPT / lab version directory (with manifest.json)")
    Path model;

    @Option(
            names = "--tokenizer",
            paramLabel = "PATH",
            description = "llama2.c vocabulary file (default: tokenizer.bin beside the checkpoint, or the one tok*.bin "
                    + "in its directory)")
    Path tokenizer;

    /** The resolved location; a problem is the exit-2 line {@code --model PATH: what is missing}. */
    ModelLocation location() {
        return resolve(model, tokenizer, "--model", "--tokenizer");
    }

    /**
     * Resolves a model location; a {@link ModelLocation.Problem} becomes one usage line, {@code WHO PATH: reason},
     * where WHO is {@code modelLabel} or {@code tokenizerLabel} (how the caller's syntax names the path).
     */
    static ModelLocation resolve(Path model, Path tokenizer, String modelLabel, String tokenizerLabel) {
        try {
            return ModelLocation.resolve(model, tokenizer);
        } catch (ModelLocation.Problem e) {
            String who = e.part() == ModelLocation.Part.TOKENIZER ? tokenizerLabel : modelLabel;
            throw new UsageException(who + " " + e.path() + ": " + e.reason());
        }
    }
}
