/**
 * llama2.c checkpoints ({@code .bin} weights + {@code tokenizer.bin} vocabulary): a DJL implementation used for
 * sampling, a plain-Java reference forward pass used to check it, and the SentencePiece-style BPE tokenizer exactly
 * as llama2.c's {@code run.c} applies it.
 */
package dev.probeval.model.llama2c;
