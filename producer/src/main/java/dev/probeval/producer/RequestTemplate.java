package dev.probeval.producer;

import dev.probeval.avro.BoundMode;
import dev.probeval.avro.DecodingConfig;
import dev.probeval.avro.EvalRequest;
import dev.probeval.avro.ScorerConfig;
import dev.probeval.avro.StoppingRule;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The request fields a whole submission shares (decoding, n, α, bound mode, scorer, suite, split), applied to each
 * {@link PromptLine}. Fields a line sets itself (suite, split, n, α, request id, model version) win over the
 * template's.
 *
 * <pre>{@code
 * RequestTemplate t = RequestTemplate.builder().suite("tofu_forget01").split("forget").numSamples(64)
 *     .alpha(0.01).boundMode(BoundMode.SOUND).topP(0.9).maxNewTokens(128).build();
 * EvalRequest r = t.request("v7", PromptLine.of("q1", "Question: Who…?\nAnswer: ", List.of("…")), Instant.now());
 * try (EvalRequestPublisher p = EvalRequestPublisher.connect(kafkaConfig, AvroSerdeConfig.forUrl(registryUrl))) {
 *   p.publish(List.of(r));
 * }
 * }</pre>
 */
public final class RequestTemplate {
    private final String suite;
    private final String split;
    private final DecodingConfig decoding;
    private final ScorerConfig scorer;
    private final int numSamples;
    private final double alpha;
    private final BoundMode boundMode;
    private final boolean drawGreedy;
    private final boolean logSampleTexts;
    private final Map<String, String> attributes;
    private final Integer suiteSize;
    private final StoppingRule stoppingRule;

    private RequestTemplate(Builder b) {
        this.suite = b.suite;
        this.split = b.split;
        this.decoding = DecodingConfig.newBuilder()
                .setTemperature(b.temperature)
                .setTopP(b.topP)
                .setTopK(b.topK)
                .setMaxNewTokens(b.maxNewTokens)
                .setSeed(b.seed)
                .setAdaptiveTemperature(b.adaptive)
                .setAdaptiveTemperatureThreshold(b.adaptiveThreshold)
                .build();
        this.scorer = ScorerConfig.newBuilder()
                .setMetric(b.metric)
                .setLeakThreshold(b.leakThreshold)
                .setStripPrefixes(List.copyOf(b.stripPrefixes))
                .build();
        this.numSamples = b.numSamples;
        this.alpha = b.alpha;
        this.boundMode = b.boundMode;
        this.drawGreedy = b.drawGreedy;
        this.logSampleTexts = b.logSampleTexts;
        this.attributes = Map.copyOf(b.attributes);
        this.suiteSize = b.suiteSize;
        this.stoppingRule = b.stoppingRule;
    }

    public static Builder builder() {
        return new Builder();
    }

    public DecodingConfig decoding() {
        return DecodingConfig.newBuilder(decoding).build();
    }

    public int numSamples() {
        return numSamples;
    }

    public double alpha() {
        return alpha;
    }

    public BoundMode boundMode() {
        return boundMode;
    }

    /**
     * The request for {@code line} on {@code modelVersion} (the line's own version when {@code modelVersion} is null).
     * The request id is the line's, or {@link RequestIds#derive} of the effective fields.
     */
    public EvalRequest request(String modelVersion, PromptLine line, Instant createdAt) {
        String version = modelVersion != null ? modelVersion : line.modelVersion();
        String s = line.suite() != null ? line.suite() : suite;
        String sp = line.split() != null ? line.split() : split;
        int n = line.numSamples() != null ? line.numSamples() : numSamples;
        double a = line.alpha() != null ? line.alpha() : alpha;
        String id = line.requestId() != null
                ? line.requestId()
                : RequestIds.derive(
                        String.valueOf(version), s, sp, line.promptId(), decoding, n, a, boundMode, stoppingRule);
        Map<String, String> attrs = new LinkedHashMap<>(attributes);
        attrs.putAll(line.attributes());
        return EvalRequest.newBuilder()
                .setRequestId(id)
                .setModelVersion(version == null ? "" : version)
                .setPromptId(line.promptId())
                .setSuite(s)
                .setSplit(sp)
                .setPrompt(line.prompt())
                .setReferences(line.references())
                .setScorer(ScorerConfig.newBuilder(scorer).build())
                .setDecoding(decoding())
                .setNumSamples(n)
                .setAlpha(a)
                .setBoundMode(boundMode)
                .setDrawGreedy(drawGreedy)
                .setLogSampleTexts(logSampleTexts)
                .setCreatedAt(createdAt)
                .setSuiteSize(suiteSize)
                .setAttributes(attrs)
                .setStoppingRule(
                        stoppingRule == null
                                ? null
                                : StoppingRule.newBuilder(stoppingRule).build())
                .build();
    }

    /** Builder with the contract's defaults (T = 1, top-p 1, top-k off, 128 new tokens, seed 0, n = 128, α = 0.01). */
    public static final class Builder {
        private String suite = "default";
        private String split = "all";
        private double temperature = 1.0;
        private double topP = 1.0;
        private int topK = 0;
        private int maxNewTokens = 128;
        private long seed = 0;
        private boolean adaptive = false;
        private double adaptiveThreshold = 0.9;
        private String metric = "rougeL_recall";
        private double leakThreshold = 0.5;
        private List<String> stripPrefixes = List.of();
        private int numSamples = 128;
        private double alpha = 0.01;
        private BoundMode boundMode = BoundMode.SOUND;
        private boolean drawGreedy = true;
        private boolean logSampleTexts = false;
        private Map<String, String> attributes = Map.of();
        private Integer suiteSize;
        private StoppingRule stoppingRule;

        private Builder() {}

        /**
         * Anytime-valid early stopping (null: none, the default): numSamples becomes the cap. Needs
         * {@code boundMode(ANYTIME)}; the contract check refuses a rule in any other mode.
         */
        public Builder stoppingRule(StoppingRule v) {
            stoppingRule = v;
            return this;
        }

        public Builder suite(String v) {
            suite = Objects.requireNonNull(v);
            return this;
        }

        public Builder split(String v) {
            split = Objects.requireNonNull(v);
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder maxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Adaptive temperature (running mean of p_max against {@code threshold}) on or off. */
        public Builder adaptiveTemperature(boolean on, double threshold) {
            adaptive = on;
            adaptiveThreshold = threshold;
            return this;
        }

        public Builder metric(String v) {
            metric = Objects.requireNonNull(v);
            return this;
        }

        public Builder leakThreshold(double v) {
            leakThreshold = v;
            return this;
        }

        public Builder stripPrefixes(List<String> v) {
            stripPrefixes = List.copyOf(v);
            return this;
        }

        public Builder numSamples(int v) {
            numSamples = v;
            return this;
        }

        public Builder alpha(double v) {
            alpha = v;
            return this;
        }

        public Builder boundMode(BoundMode v) {
            boundMode = Objects.requireNonNull(v);
            return this;
        }

        public Builder drawGreedy(boolean v) {
            drawGreedy = v;
            return this;
        }

        public Builder logSampleTexts(boolean v) {
            logSampleTexts = v;
            return this;
        }

        public Builder attributes(Map<String, String> v) {
            attributes = Map.copyOf(v);
            return this;
        }

        /** Declared number of prompts of the (version, suite, split): the roll-up reports completeness against it. */
        public Builder suiteSize(Integer v) {
            suiteSize = v;
            return this;
        }

        public RequestTemplate build() {
            return new RequestTemplate(this);
        }
    }
}
