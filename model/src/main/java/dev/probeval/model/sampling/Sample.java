package dev.probeval.model.sampling;

/**
 * One generated continuation.
 *
 * @param index sample index within the request ({@code SampleIds.GREEDY_INDEX} = -1 for the greedy baseline)
 * @param greedy whether this is the greedy baseline
 * @param seed the RNG seed the sample was drawn with
 * @param tokens generated token ids, the terminating end token included when finish is EOS
 * @param text the continuation (prompt excluded, end token excluded, cut before a stop string)
 * @param finish why it ended
 * @param logprob Σ log q_t(token_t), q_t being the distribution the token was actually drawn from: after
 *     temperature, top-k and top-p renormalisation on sampled steps; the untempered model distribution on greedy
 *     steps (as Hugging Face's {@code compute_transition_scores} reports); end token included
 * @param modelLogprob Σ log p_t(token_t) under the untempered, untruncated model distribution
 * @param adaptive adaptive-temperature statistics, or null when adaptive temperature was off
 * @param tokenModelLogprobs log p_t(token_t) of each generated token under the untempered model distribution, in
 *     order; they sum, left to right, to exactly {@code modelLogprob}
 * @param topTokenIds per step, the most likely token ids of the untempered model distribution, most likely first;
 *     null unless asked for
 * @param topTokenLogprobs their log-probabilities, aligned with {@code topTokenIds}; null unless asked for
 */
public record Sample(
        int index,
        boolean greedy,
        long seed,
        int[] tokens,
        String text,
        FinishReason finish,
        double logprob,
        double modelLogprob,
        AdaptiveStats adaptive,
        double[] tokenModelLogprobs,
        int[][] topTokenIds,
        double[][] topTokenLogprobs) {

    /** Number of generated tokens (end token included). */
    public int tokenCount() {
        return tokens.length;
    }
}
