package dev.probeval.model.sampling;

/** Why a sample ended: an end-of-sequence token, the token budget (or the context) ran out, or a stop string. */
public enum FinishReason {
    EOS,
    LENGTH,
    STOP
}
