package dev.probeval.serve;

import dev.probeval.model.sampling.DecodingParams;

/**
 * A call as the server decodes it, after its API's handler has read and checked it: the model name (null: the
 * served one), the prompt (a chat call's after its template), the number of choices, the decoding parameters, the
 * seed (null: a random one), how many log-probabilities to return per token (-1: none; 0: the chosen token's only;
 * k: also the k most likely), whether to stream and whether a stream ends with a usage chunk.
 */
record ServeRequest(
        String model,
        String prompt,
        int n,
        DecodingParams decoding,
        Long seed,
        int logprobs,
        boolean stream,
        boolean streamUsage) {

    boolean wantsLogprobs() {
        return logprobs >= 0;
    }
}
