package dev.probeval.producer;

import java.util.List;
import java.util.Map;

/**
 * One parsed input line: the prompt and its references, plus the request fields the line may set itself (any of them
 * {@code null} when the line leaves it to the command line / {@link RequestTemplate}).
 *
 * @param line 1-based line number in its source
 * @param requestId explicit request id, or {@code null} to derive it ({@link RequestIds})
 * @param modelVersion the line's model version, or {@code null}
 * @param promptId stable id of the prompt within its suite
 * @param suite the line's suite, or {@code null}
 * @param split the line's split, or {@code null}
 * @param prompt full prompt text
 * @param references reference answers (at least one for a valid request)
 * @param numSamples the line's n, or {@code null}
 * @param alpha the line's α, or {@code null}
 * @param attributes free-form attributes carried through
 */
public record PromptLine(
        int line,
        String requestId,
        String modelVersion,
        String promptId,
        String suite,
        String split,
        String prompt,
        List<String> references,
        Integer numSamples,
        Double alpha,
        Map<String, String> attributes) {
    public PromptLine {
        references = List.copyOf(references);
        attributes = Map.copyOf(attributes);
    }

    /** A line with only prompt id, prompt and references. */
    public static PromptLine of(String promptId, String prompt, List<String> references) {
        return new PromptLine(0, null, null, promptId, null, null, prompt, references, null, null, Map.of());
    }

    /** This line with an explicit request id. */
    public PromptLine withRequestId(String id) {
        return new PromptLine(
                line, id, modelVersion, promptId, suite, split, prompt, references, numSamples, alpha, attributes);
    }
}
