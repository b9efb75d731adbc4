package dev.probeval.model.backend;

import dev.probeval.model.CausalLm;
import dev.probeval.model.gpt.GptModel;
import dev.probeval.model.llama2c.Llama2cModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens a model from a path: a directory with a small-GPT {@code manifest.json}, or a llama2.c {@code .bin}
 * checkpoint with its vocabulary file (given, or {@code tokenizer.bin} beside the checkpoint).
 */
public final class Models {
  private Models() {}

  /** Opens the model at {@code path}; {@code tokenizer} may be null. Errors name the missing or bad file. */
  public static CausalLm open(Path path, Path tokenizer) throws IOException {
    if (Files.isDirectory(path)) {
      if (!GptModel.isModelDirectory(path)) {
        throw new NoSuchFileException(path.resolve(GptModel.MANIFEST).toString(), null,
            "model directory without a small-GPT manifest");
      }
      if (tokenizer != null) {
        throw new IllegalArgumentException("a small-GPT directory carries its own tokenizer; give no tokenizer path");
      }
      return GptModel.load(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new NoSuchFileException(path.toString(), null, "model not found");
    }
    Path tok = tokenizer != null ? tokenizer : path.resolveSibling("tokenizer.bin");
    if (!Files.isRegularFile(tok)) {
      throw new NoSuchFileException(tok.toString(), null,
          tokenizer != null ? "tokenizer not found" : "llama2.c checkpoint needs its vocabulary file: name one or put tokenizer.bin beside it");
    }
    return Llama2cModel.load(path, tok);
  }

  /** {@link #open} wrapped in a {@link DjlBackend}. */
  public static SamplingBackend openBackend(Path path, Path tokenizer) throws IOException {
    return new DjlBackend(open(path, tokenizer));
  }
}
