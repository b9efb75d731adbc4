package dev.probeval.worker;

import dev.probeval.worker.http.HttpEndpoint;
import java.nio.file.Path;

/**
 * Where the worker finds the model behind one model version: a llama2.c checkpoint (with its vocabulary file) or a
 * small-GPT directory, opened in process; or an OpenAI-compatible serving endpoint ({@code endpoint}, then path and
 * tokenizer are null).
 *
 * @param version the model version requests name
 * @param path checkpoint file or model directory (null for an endpoint)
 * @param tokenizer llama2.c vocabulary file, or null (small-GPT directories carry their own; a llama2.c checkpoint
 *     then uses {@code tokenizer.bin} beside it)
 * @param endpoint the serving endpoint, or null for a local model
 */
public record ModelSpec(String version, Path path, Path tokenizer, HttpEndpoint endpoint) {
    public ModelSpec {
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("model version must not be empty");
        }
        if (endpoint == null && path == null) {
            throw new IllegalArgumentException("model version " + version + " needs a path or an endpoint");
        }
        if (endpoint != null && (path != null || tokenizer != null)) {
            throw new IllegalArgumentException("model version " + version + " has an endpoint and a path; give one");
        }
    }

    /** A local model. */
    public ModelSpec(String version, Path path, Path tokenizer) {
        this(version, path, tokenizer, null);
    }

    /** A model behind an OpenAI-compatible endpoint. */
    public static ModelSpec http(String version, HttpEndpoint endpoint) {
        return new ModelSpec(version, null, null, java.util.Objects.requireNonNull(endpoint, "endpoint"));
    }

    /** Whether samples come from a serving endpoint rather than an in-process model. */
    public boolean isHttp() {
        return endpoint != null;
    }

    /** The entry in models-file syntax (an endpoint names its key's variable, never the key). */
    @Override
    public String toString() {
        if (endpoint != null) {
            return version + "=" + endpoint;
        }
        return version + "=" + path + (tokenizer == null ? "" : ",tokenizer=" + tokenizer);
    }
}
