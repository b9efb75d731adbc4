/**
 * Causal language models for probeval on DJL: the {@link dev.probeval.model.CausalLm} contract (tokenizer, a
 * batched forward pass with a KV cache, vocabulary, end tokens), the cache itself and device selection.
 */
package dev.probeval.model;
