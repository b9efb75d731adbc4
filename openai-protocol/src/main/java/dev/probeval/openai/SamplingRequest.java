package dev.probeval.openai;

import java.util.List;
import java.util.Map;

/**
 * What a completions and a chat completions request share: the model, how many choices, how to sample them, and
 * whether to stream. A null field was not sent; OpenAI's defaults apply. The fields after {@link #streamOptions()}
 * exist in the protocol but change the output in ways this project does not sample (a server may refuse any value
 * but the neutral one).
 */
public interface SamplingRequest {
    String model();

    Integer n();

    Double temperature();

    Double topP();

    /** vLLM's extension: sample among the k most likely tokens (0 or -1: off). */
    Integer topK();

    List<String> stop();

    Long seed();

    Boolean stream();

    StreamOptions streamOptions();

    Integer bestOf();

    Boolean echo();

    String suffix();

    Double frequencyPenalty();

    Double presencePenalty();

    Map<String, Double> logitBias();
}
