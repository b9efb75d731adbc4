/**
 * {@code probeval serve}: a local model behind an OpenAI-compatible HTTP API ({@code /v1/models},
 * {@code /v1/completions}, {@code /v1/chat/completions}) on the batched sampling engine, seeded so that a served
 * sample equals the in-process one drawn with the same seed. {@link dev.probeval.serve.OpenAiServer} is the API;
 * inside, the routes and their guards, one handler per OpenAI API (reading its request, writing its response and
 * stream chunks with the {@code dev.probeval.openai} records), the call's run shared by both, the server-sent event
 * writer, and the decoder thread that batches concurrent calls.
 */
package dev.probeval.serve;
