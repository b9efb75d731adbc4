package dev.probeval.worker.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Counters of one endpoint (Prometheus names): {@code probeval_worker_http_requests_total{endpoint,outcome}} per
 * attempt, {@code probeval_worker_http_retries_total{endpoint}} and
 * {@code probeval_worker_http_tokens_total{endpoint,kind="prompt"|"completion"}} from the responses' {@code usage}.
 * Counters only: Prometheus computes the rates ({@code rate(...[1m])}).
 */
final class HttpBackendMetrics {
    /** An attempt's outcome, the {@code outcome} tag. */
    enum Outcome {
        OK("ok"),
        TIMEOUT("timeout"),
        CONNECTION_ERROR("connection_error"),
        RATE_LIMITED("rate_limited"),
        SERVER_ERROR("server_error"),
        CLIENT_ERROR("client_error"),
        TRUNCATED("truncated"),
        MALFORMED("malformed");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }
    }

    private final Counter[] requests = new Counter[Outcome.values().length];
    private final Counter retries;
    private final Counter promptTokens;
    private final Counter completionTokens;

    HttpBackendMetrics(MeterRegistry registry, String endpoint) {
        MeterRegistry r = registry != null ? registry : new SimpleMeterRegistry();
        for (Outcome o : Outcome.values()) {
            requests[o.ordinal()] = Counter.builder("probeval.worker.http.requests")
                    .tag("endpoint", endpoint)
                    .tag("outcome", o.tag)
                    .description("Attempted calls to a serving endpoint, by outcome")
                    .register(r);
        }
        retries = Counter.builder("probeval.worker.http.retries")
                .tag("endpoint", endpoint)
                .description("Calls to a serving endpoint attempted again after a retriable failure")
                .register(r);
        promptTokens = Counter.builder("probeval.worker.http.tokens")
                .tag("endpoint", endpoint)
                .tag("kind", "prompt")
                .baseUnit("tokens")
                .description("Tokens the endpoint reported in usage")
                .register(r);
        completionTokens = Counter.builder("probeval.worker.http.tokens")
                .tag("endpoint", endpoint)
                .tag("kind", "completion")
                .baseUnit("tokens")
                .description("Tokens the endpoint reported in usage")
                .register(r);
    }

    void attempt(Outcome o) {
        requests[o.ordinal()].increment();
    }

    void retry() {
        retries.increment();
    }

    void usage(long prompt, long completion) {
        promptTokens.increment(prompt);
        completionTokens.increment(completion);
    }

    double retries() {
        return retries.count();
    }
}
