package dev.probeval.worker;

import dev.probeval.model.backend.SamplingBackend;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens configured models on first use and keeps them open: loading a checkpoint costs far more than one chunk, and
 * a worker usually serves few versions. Closing the cache closes every backend it opened.
 */
final class ModelCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

    private final ModelCatalog catalog;
    private final BackendFactory factory;
    private final Map<String, SamplingBackend> open = new LinkedHashMap<>();
    private final io.micrometer.core.instrument.MeterRegistry registry;
    private boolean closed;

    ModelCache(ModelCatalog catalog, BackendFactory factory) {
        this(catalog, factory, null);
    }

    /** A cache whose backends report to {@code registry} (may be null). */
    ModelCache(ModelCatalog catalog, BackendFactory factory, io.micrometer.core.instrument.MeterRegistry registry) {
        this.catalog = catalog;
        this.factory = factory;
        this.registry = registry;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    /**
     * The backend of a configured version, opened on first use.
     *
     * @throws IllegalArgumentException if the version is not configured
     * @throws IOException if the model cannot be opened (the next call tries again)
     */
    synchronized SamplingBackend backend(String version) throws IOException {
        if (closed) {
            throw new IllegalStateException("model cache is closed");
        }
        SamplingBackend b = open.get(version);
        if (b != null) {
            return b;
        }
        ModelSpec spec = catalog.find(version)
                .orElseThrow(() -> new IllegalArgumentException(
                        "model version '" + version + "' is not configured on this worker"));
        long t0 = System.nanoTime();
        b = factory.open(spec, registry);
        LOG.info("Opened model {} ({}) in {} ms", version, b.describe(), (System.nanoTime() - t0) / 1_000_000);
        open.put(version, b);
        return b;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Map.Entry<String, SamplingBackend> e : open.entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                LOG.warn("Closing model {} failed: {}", e.getKey(), ex.toString());
            }
        }
        open.clear();
    }
}
