package dev.probeval.worker;

import dev.probeval.model.backend.Engine;
import dev.probeval.model.backend.ModelLocation;
import dev.probeval.model.backend.Models;
import dev.probeval.model.backend.SamplingBackend;
import dev.probeval.worker.http.HttpBackend;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;

/** Opens the sampling backend of a configured model: in process through DJL, or an OpenAI-compatible endpoint. */
@FunctionalInterface
public interface BackendFactory {
    /** Opens the model; the caller closes the backend. */
    SamplingBackend open(ModelSpec spec) throws IOException;

    /** Opens the model with the worker's meter registry (where an endpoint's HTTP counters go); default: {@link #open}. */
    default SamplingBackend open(ModelSpec spec, MeterRegistry registry) throws IOException {
        return open(spec);
    }

    /**
     * The worker's default: local models on the default engine ({@link Models#openBackend}), endpoints through
     * {@link HttpBackend} with the API key from the process environment.
     */
    static BackendFactory standard() {
        return standard(Engine.DEFAULT);
    }

    /** {@link #standard()} with local models on {@code engine}. */
    static BackendFactory standard(Engine engine) {
        return new BackendFactory() {
            @Override
            public SamplingBackend open(ModelSpec spec) throws IOException {
                return open(spec, null);
            }

            @Override
            public SamplingBackend open(ModelSpec spec, MeterRegistry registry) throws IOException {
                if (spec.isHttp()) {
                    return HttpBackend.open(spec.version(), spec.endpoint(), System::getenv, registry);
                }
                return Models.openBackend(ModelLocation.resolve(spec.path(), spec.tokenizer()), engine);
            }
        };
    }
}
