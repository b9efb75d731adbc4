/**
 * {@code probeval serve}: a local model behind an OpenAI-compatible HTTP API ({@code /v1/models},
 * {@code /v1/completions}, {@code /v1/chat/completions}) on the batched sampling engine, seeded so that a served
 * sample equals the in-process one drawn with the same seed.
 */
package dev.probeval.model.serve;
