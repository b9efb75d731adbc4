package dev.probeval.contract;

/**
 * The configurable limits of the request contract, with documented defaults. Every service that validates requests
 * ({@link EvalRequestValidator}) must run with the same limits: the aggregator dead-letters what they reject and the
 * worker skips it, so a worker with looser limits than its aggregator would draw samples nobody counts (the CLI
 * shares one option set, {@code RequestLimitsOptions}, between {@code probeval aggregate} and {@code probeval worker}).
 *
 * <p>The size limits are what keeps every record a service derives from one request (dead letters, scored samples,
 * bounds, the roll-up's repartition and changelog records) far below Kafka's default 1 MB record limit: identifiers
 * are at most {@link #maxIdChars()} characters, the encoded request at most {@link #maxRequestBytes()} bytes.
 *
 * <p>Fixed by the mathematics, not configurable: α in (0, 0.5] (the one-sided Massart constant of the DKW bound needs
 * α ≤ 1/2, paper-spec 8.6), τ in [0, 1], topP in (0, 1], topK ≥ 0 (0 disables it), temperature &gt; 0, the adaptive
 * temperature threshold in (0, 1], maxNewTokens ≥ 1, numSamples ≥ 1, suiteSize ≥ 1.
 *
 * @param maxNumSamples largest numSamples (default {@value #DEFAULT_MAX_NUM_SAMPLES})
 * @param maxPromptChars longest prompt, in UTF-16 chars (default {@value #DEFAULT_MAX_PROMPT_CHARS})
 * @param maxReferences most references (default {@value #DEFAULT_MAX_REFERENCES})
 * @param maxReferenceChars longest reference, in UTF-16 chars (default {@value #DEFAULT_MAX_REFERENCE_CHARS})
 * @param maxNewTokens largest decoding.maxNewTokens (default {@value #DEFAULT_MAX_NEW_TOKENS})
 * @param maxTemperature largest decoding.temperature (default {@value #DEFAULT_MAX_TEMPERATURE})
 * @param maxTopK largest decoding.topK (default {@value #DEFAULT_MAX_TOP_K})
 * @param maxSuiteSize largest declared suiteSize (default {@value #DEFAULT_MAX_SUITE_SIZE})
 * @param maxIdChars longest identifier (requestId, modelVersion, promptId, suite, split), attribute key and strip
 *     prefix, in UTF-16 chars (default {@value #DEFAULT_MAX_ID_CHARS})
 * @param maxAttributes most attributes (default {@value #DEFAULT_MAX_ATTRIBUTES})
 * @param maxAttributeChars longest attribute value (default {@value #DEFAULT_MAX_ATTRIBUTE_CHARS})
 * @param maxStripPrefixes most scorer.stripPrefixes (default {@value #DEFAULT_MAX_STRIP_PREFIXES})
 * @param maxRequestBytes largest request, as Avro binary without the wire-format header (default
 *     {@value #DEFAULT_MAX_REQUEST_BYTES})
 */
public record RequestLimits(
        int maxNumSamples,
        int maxPromptChars,
        int maxReferences,
        int maxReferenceChars,
        int maxNewTokens,
        double maxTemperature,
        int maxTopK,
        int maxSuiteSize,
        int maxIdChars,
        int maxAttributes,
        int maxAttributeChars,
        int maxStripPrefixes,
        int maxRequestBytes) {
    public static final int DEFAULT_MAX_NUM_SAMPLES = 100_000;
    public static final int DEFAULT_MAX_PROMPT_CHARS = 100_000;
    public static final int DEFAULT_MAX_REFERENCES = 64;
    public static final int DEFAULT_MAX_REFERENCE_CHARS = 20_000;
    public static final int DEFAULT_MAX_NEW_TOKENS = 8192;
    public static final double DEFAULT_MAX_TEMPERATURE = 10.0;
    public static final int DEFAULT_MAX_TOP_K = 1_000_000;
    public static final int DEFAULT_MAX_SUITE_SIZE = 10_000_000;
    public static final int DEFAULT_MAX_ID_CHARS = 256;
    public static final int DEFAULT_MAX_ATTRIBUTES = 32;
    public static final int DEFAULT_MAX_ATTRIBUTE_CHARS = 1024;
    public static final int DEFAULT_MAX_STRIP_PREFIXES = 16;
    /**
     * 512 KiB: a request this large still fits, whole, in a dead letter under Kafka's default 1 MB record limit
     * ({@link #MAX_REQUEST_BYTES_CEILING}).
     */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;
    /**
     * The largest {@link #maxRequestBytes()} accepted: a dead letter carries the request's bytes plus up to ~12 KiB of
     * key, reason and coordinates, and must stay under Kafka's default {@code max.request.size} of 1 MiB.
     */
    public static final int MAX_REQUEST_BYTES_CEILING = 1_000_000;
    /** Largest α; fixed (paper-spec 8.6). */
    public static final double MAX_ALPHA = 0.5;

    /**
     * @throws IllegalArgumentException naming the limit that is not positive (or above its ceiling)
     */
    public RequestLimits {
        positive("maxNumSamples", maxNumSamples);
        positive("maxPromptChars", maxPromptChars);
        positive("maxReferences", maxReferences);
        positive("maxReferenceChars", maxReferenceChars);
        positive("maxNewTokens", maxNewTokens);
        positive("maxTopK", maxTopK);
        positive("maxSuiteSize", maxSuiteSize);
        positive("maxIdChars", maxIdChars);
        positive("maxAttributes", maxAttributes);
        positive("maxAttributeChars", maxAttributeChars);
        positive("maxStripPrefixes", maxStripPrefixes);
        positive("maxRequestBytes", maxRequestBytes);
        if (maxRequestBytes > MAX_REQUEST_BYTES_CEILING) {
            throw new IllegalArgumentException("maxRequestBytes must be <= " + MAX_REQUEST_BYTES_CEILING
                    + " (a dead letter of the request must fit under Kafka's default 1 MB record limit), got "
                    + maxRequestBytes);
        }
        if (!(maxTemperature > 0) || Double.isInfinite(maxTemperature)) {
            throw new IllegalArgumentException("maxTemperature must be a finite number > 0, got " + maxTemperature);
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /** The documented defaults. */
    public static RequestLimits defaults() {
        return builder().build();
    }

    /** A builder starting from the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxNumSamples = maxNumSamples;
        b.maxPromptChars = maxPromptChars;
        b.maxReferences = maxReferences;
        b.maxReferenceChars = maxReferenceChars;
        b.maxNewTokens = maxNewTokens;
        b.maxTemperature = maxTemperature;
        b.maxTopK = maxTopK;
        b.maxSuiteSize = maxSuiteSize;
        b.maxIdChars = maxIdChars;
        b.maxAttributes = maxAttributes;
        b.maxAttributeChars = maxAttributeChars;
        b.maxStripPrefixes = maxStripPrefixes;
        b.maxRequestBytes = maxRequestBytes;
        return b;
    }

    /** α is valid when in (0, {@link #MAX_ALPHA}]. */
    public double minAlphaExclusive() {
        return 0.0;
    }

    public double maxAlpha() {
        return MAX_ALPHA;
    }

    /** Every limit optional, each starting at its default; {@link #build()} checks them (the record's constructor). */
    public static final class Builder {
        private int maxNumSamples = DEFAULT_MAX_NUM_SAMPLES;
        private int maxPromptChars = DEFAULT_MAX_PROMPT_CHARS;
        private int maxReferences = DEFAULT_MAX_REFERENCES;
        private int maxReferenceChars = DEFAULT_MAX_REFERENCE_CHARS;
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private double maxTemperature = DEFAULT_MAX_TEMPERATURE;
        private int maxTopK = DEFAULT_MAX_TOP_K;
        private int maxSuiteSize = DEFAULT_MAX_SUITE_SIZE;
        private int maxIdChars = DEFAULT_MAX_ID_CHARS;
        private int maxAttributes = DEFAULT_MAX_ATTRIBUTES;
        private int maxAttributeChars = DEFAULT_MAX_ATTRIBUTE_CHARS;
        private int maxStripPrefixes = DEFAULT_MAX_STRIP_PREFIXES;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;

        private Builder() {}

        public Builder optMaxNumSamples(int v) {
            maxNumSamples = v;
            return this;
        }

        public Builder optMaxPromptChars(int v) {
            maxPromptChars = v;
            return this;
        }

        public Builder optMaxReferences(int v) {
            maxReferences = v;
            return this;
        }

        public Builder optMaxReferenceChars(int v) {
            maxReferenceChars = v;
            return this;
        }

        public Builder optMaxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder optMaxTemperature(double v) {
            maxTemperature = v;
            return this;
        }

        public Builder optMaxTopK(int v) {
            maxTopK = v;
            return this;
        }

        public Builder optMaxSuiteSize(int v) {
            maxSuiteSize = v;
            return this;
        }

        public Builder optMaxIdChars(int v) {
            maxIdChars = v;
            return this;
        }

        public Builder optMaxAttributes(int v) {
            maxAttributes = v;
            return this;
        }

        public Builder optMaxAttributeChars(int v) {
            maxAttributeChars = v;
            return this;
        }

        public Builder optMaxStripPrefixes(int v) {
            maxStripPrefixes = v;
            return this;
        }

        public Builder optMaxRequestBytes(int v) {
            maxRequestBytes = v;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the limit out of range
         */
        public RequestLimits build() {
            return new RequestLimits(
                    maxNumSamples,
                    maxPromptChars,
                    maxReferences,
                    maxReferenceChars,
                    maxNewTokens,
                    maxTemperature,
                    maxTopK,
                    maxSuiteSize,
                    maxIdChars,
                    maxAttributes,
                    maxAttributeChars,
                    maxStripPrefixes,
                    maxRequestBytes);
        }
    }
}
