package dev.probeval.worker;

import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import java.io.IOException;

/** Opens the sampling backend of a configured model; the seam where a serving-API backend plugs in later. */
@FunctionalInterface
public interface BackendFactory {
  /** Opens the model; the caller closes the backend. */
  SamplingBackend open(ModelSpec spec) throws IOException;

  /** Local models through DJL ({@link Models#openBackend}). */
  static BackendFactory djl() {
    return spec -> Models.openBackend(spec.path(), spec.tokenizer());
  }
}
