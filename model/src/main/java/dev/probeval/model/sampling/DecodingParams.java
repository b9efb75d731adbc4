package dev.probeval.model.sampling;

import java.util.List;

/**
 * How to decode: temperature (0 = greedy), top-k (0 = off), top-p (1 = off), the budget of new tokens, stop
 * strings and optional adaptive temperature. Processing order as in Hugging Face {@code generate}: temperature,
 * then top-k, then top-p.
 */
public record DecodingParams(
        double temperature,
        int topK,
        double topP,
        int maxNewTokens,
        List<String> stopStrings,
        AdaptiveTemperature adaptive) {

    public DecodingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 disables it), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must lie in (0, 1], got " + topP);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must be non-empty");
            }
        }
    }

    /** Greedy decoding with the given budget. */
    public static DecodingParams greedy(int maxNewTokens) {
        return builder().optTemperature(0).optMaxNewTokens(maxNewTokens).build();
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the paper's defaults: T = 1, top-p = 1, top-k off, 128 new tokens, no adaptive temperature. */
    public static final class Builder {
        private double temperature = 1.0;
        private int topK = 0;
        private double topP = 1.0;
        private int maxNewTokens = 128;
        private List<String> stopStrings = List.of();
        private AdaptiveTemperature adaptive;

        public Builder optTemperature(double t) {
            this.temperature = t;
            return this;
        }

        public Builder optTopK(int k) {
            this.topK = k;
            return this;
        }

        public Builder optTopP(double p) {
            this.topP = p;
            return this;
        }

        public Builder optMaxNewTokens(int m) {
            this.maxNewTokens = m;
            return this;
        }

        public Builder optStopStrings(List<String> s) {
            this.stopStrings = s;
            return this;
        }

        public Builder optAdaptive(AdaptiveTemperature a) {
            this.adaptive = a;
            return this;
        }

        public DecodingParams build() {
            return new DecodingParams(temperature, topK, topP, maxNewTokens, stopStrings, adaptive);
        }
    }
}
