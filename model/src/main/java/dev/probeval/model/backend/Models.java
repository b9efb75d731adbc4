package dev.probeval.model.backend;

import dev.probeval.model.CausalLm;
import dev.probeval.model.LanguageModel;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.jvm.JvmGpt;
import dev.probeval.model.jvm.JvmLlama2c;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.nio.file.Path;

/** Opens a local model from where {@link ModelLocation} says its files are, on the chosen {@link Engine}. */
public final class Models {
    private Models() {}

    /**
     * Opens the model at {@code path} on the DJL engine; {@code tokenizer} may be null. Where the files are is
     * {@link ModelLocation}'s rule set; a location that breaks it is a {@link ModelLocation.Problem} naming the path
     * and what is missing.
     */
    public static CausalLm open(Path path, Path tokenizer) throws IOException {
        return open(ModelLocation.resolve(path, tokenizer));
    }

    /** Opens a resolved location on the DJL engine (the one training uses). */
    public static CausalLm open(ModelLocation location) throws IOException {
        return location.isGptDirectory()
                ? GptModel.load(location.checkpoint())
                : Llama2cModel.load(location.checkpoint(), location.tokenizer());
    }

    /** Opens a resolved location on {@code engine} ({@link Engine#defaultThreads()} threads for the Java engine). */
    public static LanguageModel open(ModelLocation location, Engine engine) throws IOException {
        if (engine == Engine.DJL) {
            return open(location);
        }
        int threads = Engine.defaultThreads();
        return location.isGptDirectory()
                ? JvmGpt.load(location.checkpoint(), threads)
                : JvmLlama2c.load(location.checkpoint(), location.tokenizer(), threads);
    }

    /** {@link #open(ModelLocation, Engine)} on the default engine, wrapped in a {@link LocalBackend}. */
    public static SamplingBackend openBackend(Path path, Path tokenizer) throws IOException {
        return openBackend(ModelLocation.resolve(path, tokenizer), Engine.DEFAULT);
    }

    /** {@link #open(ModelLocation, Engine)} on the default engine, wrapped in a {@link LocalBackend}. */
    public static SamplingBackend openBackend(ModelLocation location) throws IOException {
        return openBackend(location, Engine.DEFAULT);
    }

    /** {@link #open(ModelLocation, Engine)} wrapped in a {@link LocalBackend}. */
    public static SamplingBackend openBackend(ModelLocation location, Engine engine) throws IOException {
        return new LocalBackend(open(location, engine));
    }
}
