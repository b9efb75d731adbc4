/**
 * The batched sampling engine: one prefill per prompt, the KV cache broadcast to the n sample rows, step-by-step
 * decoding with temperature, top-k, top-p (Hugging Face semantics), adaptive temperature, stop tokens and strings,
 * and per-sample seeds so any sample can be re-drawn alone.
 */
package dev.probeval.model.sampling;
