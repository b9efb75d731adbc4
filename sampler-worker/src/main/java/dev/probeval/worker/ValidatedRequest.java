package dev.probeval.worker;

import dev.probeval.avro.EvalRequest;
import dev.probeval.core.scoring.Scorer;
import dev.probeval.model.sampling.DecodingParams;
import java.util.List;

/**
 * An {@link EvalRequest} the worker accepted, with everything derived from it: the model to use, the decoding
 * parameters in the model module's terms, and the scorer (raw metric; the leak threshold τ is applied separately so
 * the sample carries both its score and whether it leaked).
 *
 * @param request the request as received
 * @param model the configured model of its version
 * @param decoding decoding parameters of the sampled outputs
 * @param scorer metric scorer (no threshold, no prefix stripping)
 * @param stripPrefixes prefixes removed from outputs before scoring
 * @param leakThreshold τ
 */
record ValidatedRequest(
        EvalRequest request,
        ModelSpec model,
        DecodingParams decoding,
        Scorer scorer,
        List<String> stripPrefixes,
        double leakThreshold) {

    String requestId() {
        return request.getRequestId();
    }

    int numSamples() {
        return request.getNumSamples();
    }

    boolean drawGreedy() {
        return request.getDrawGreedy();
    }

    long baseSeed() {
        return request.getDecoding().getSeed();
    }
}
