/**
 * A small GPT that can be trained from scratch (AdamW, cosine schedule with warm-up), saved and loaded with a JSON
 * manifest, and sampled through the same {@link dev.probeval.model.CausalLm} contract.
 *
 * <p>Where things are: {@link dev.probeval.model.gpt.GptModel} is the public face (create, load, save, logits,
 * the {@code CausalLm} methods); its architecture is a tree of DJL blocks ({@code GptNetwork}: a tied token
 * embedding, learned positions, {@code GptLayer}s of DJL {@code LayerNorm} and bias-free {@code Linear}, a final
 * {@code LayerNorm}); {@code GptForward} is the forward pass, cached or not; {@code GptManifest} binds and checks
 * {@code manifest.json}; {@code GptParameterCodec} reads and writes {@code model.params}.
 * {@link dev.probeval.model.gpt.GptTrainer} trains it.
 */
package dev.probeval.model.gpt;
