package dev.probeval.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** The values of a choice's {@code finish_reason}, and how to write its {@code stop_reason}. */
public final class Finish {
    /** The choice ended with the end token or a stop string. */
    public static final String STOP = "stop";
    /** The choice ran out of tokens: its budget, or the model's context. */
    public static final String LENGTH = "length";

    private Finish() {}

    /** A {@code stop_reason}: the stop string, or JSON null when none ended the choice. */
    public static JsonNode stopReason(String stop) {
        return stop == null ? NullNode.getInstance() : TextNode.valueOf(stop);
    }
}
