package dev.probeval.producer;

import java.util.Locale;

/** The input formats {@link InputParser} reads. */
public enum InputFormat {
    /**
     * One JSON object per line with the contract's field names: {@code prompt}, {@code references} (or a single
     * {@code reference}), optional {@code promptId}, {@code requestId}, {@code modelVersion}, {@code suite},
     * {@code split}, {@code numSamples}, {@code alpha}, {@code attributes}.
     */
    JSONL,
    /**
     * TOFU evaluation-log lines: {@code question} and {@code answer} (or {@code reference}), optional {@code idx} and
     * {@code split}; the prompt is {@code "Question: " + q + "\nAnswer: "} (the lab's format) after removing Llama-2
     * chat markup, the prompt id is {@code idx} (or the line number).
     */
    TOFU,
    /** Per line: TOFU when the object has {@code question}, JSONL otherwise. */
    AUTO;

    /** Parses {@code jsonl}, {@code tofu} or {@code auto} (any case). */
    public static InputFormat parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input format must be jsonl, tofu or auto, got '" + s + "'");
        }
    }
}
