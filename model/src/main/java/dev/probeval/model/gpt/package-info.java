/**
 * A small GPT built from DJL parameters that can be trained from scratch (AdamW, cosine schedule with warm-up),
 * saved and loaded with a JSON manifest, and sampled through the same {@link dev.probeval.model.CausalLm} contract.
 */
package dev.probeval.model.gpt;
