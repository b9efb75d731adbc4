/**
 * The plain-Java inference engine for the project's small models (llama2.c checkpoints and the lab's GPT): a batched,
 * multi-threaded forward pass on the CPU whose matrix products use the JDK's vector API when the JVM offers it. It
 * implements {@link dev.probeval.model.LanguageModel}, decodes the same checkpoints as the DJL models and gives the
 * same logits within float rounding; training stays on DJL.
 */
package dev.probeval.model.jvm;
