package dev.probeval.model.backend;

import dev.probeval.model.CausalLm;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.nio.file.Path;

/** Opens a local model from where {@link ModelLocation} says its files are. */
public final class Models {
    private Models() {}

    /**
     * Opens the model at {@code path}; {@code tokenizer} may be null. Where the files are is {@link ModelLocation}'s
     * rule set; a location that breaks it is a {@link ModelLocation.Problem} naming the path and what is missing.
     */
    public static CausalLm open(Path path, Path tokenizer) throws IOException {
        return open(ModelLocation.resolve(path, tokenizer));
    }

    /** Opens a resolved location. */
    public static CausalLm open(ModelLocation location) throws IOException {
        return location.isGptDirectory()
                ? GptModel.load(location.checkpoint())
                : Llama2cModel.load(location.checkpoint(), location.tokenizer());
    }

    /** {@link #open} wrapped in a {@link DjlBackend}. */
    public static SamplingBackend openBackend(Path path, Path tokenizer) throws IOException {
        return new DjlBackend(open(path, tokenizer));
    }

    /** {@link #open(ModelLocation)} wrapped in a {@link DjlBackend}. */
    public static SamplingBackend openBackend(ModelLocation location) throws IOException {
        return new DjlBackend(open(location));
    }
}
