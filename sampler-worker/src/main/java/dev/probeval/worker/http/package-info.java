/**
 * The worker's HTTP sampler backend: samples drawn from an OpenAI-compatible completions or chat completions endpoint
 * (vLLM, TGI, llama.cpp's server, Ollama, {@code probeval serve}), configured per model version by
 * {@link dev.probeval.worker.http.HttpEndpoint}, with retries, a concurrency limit and metrics.
 */
package dev.probeval.worker.http;
