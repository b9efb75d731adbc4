package dev.probeval.worker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the worker finds the model behind one model version: a llama2.c checkpoint (with its vocabulary file) or a
 * small-GPT directory.
 *
 * @param version the model version requests name
 * @param path checkpoint file or model directory
 * @param tokenizer llama2.c vocabulary file, or null (small-GPT directories carry their own; a llama2.c checkpoint
 *     then uses {@code tokenizer.bin} beside it)
 */
public record ModelSpec(String version, Path path, Path tokenizer) {
  public ModelSpec {
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("model version must not be empty");
    }
    Objects.requireNonNull(path, "path");
  }

  @Override
  public String toString() {
    return version + "=" + path + (tokenizer == null ? "" : ",tokenizer=" + tokenizer);
  }
}
