/**
 * The seam between the sampler worker and whatever produces samples: plain-Java request and sample types (no DJL
 * types), the {@link dev.probeval.model.backend.SamplingBackend} interface, and its DJL implementation.
 */
package dev.probeval.model.backend;
