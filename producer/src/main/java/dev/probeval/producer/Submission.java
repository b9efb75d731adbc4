package dev.probeval.producer;

import dev.probeval.avro.EvalRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The requests of one submission, built and checked before anything is sent: every parsed line times every model
 * version, each checked by a {@link RequestCheck}. {@link #errors()} holds the parse errors and the rejected lines
 * (by line number); {@link #requests()} the valid requests, de-duplicated by request id in input order.
 *
 * @param requests the valid requests
 * @param errors what is wrong with the other lines
 * @param duplicates how many requests repeated an earlier request id and were dropped
 */
public record Submission(List<EvalRequest> requests, List<LineError> errors, int duplicates) {
    public Submission {
        requests = List.copyOf(requests);
        errors = List.copyOf(errors);
    }

    /**
     * Builds the submission.
     *
     * @param parsed lines and parse errors of the input ({@code source} names it in the errors)
     * @param modelVersions the versions every line is evaluated on; empty = each line's own {@code modelVersion}
     */
    public static Submission prepare(
            String source,
            InputParser.Result parsed,
            List<String> modelVersions,
            RequestTemplate template,
            RequestCheck check,
            Instant createdAt) {
        List<LineError> errors = new ArrayList<>(parsed.errors());
        Map<String, EvalRequest> out = new LinkedHashMap<>();
        int dups = 0;
        for (PromptLine line : parsed.lines()) {
            List<String> versions = new ArrayList<>(modelVersions);
            if (versions.isEmpty()) {
                versions.add(line.modelVersion());
            }
            if (line.requestId() != null && versions.size() > 1) {
                errors.add(new LineError(
                        source,
                        line.line(),
                        "requestId '" + dev.probeval.core.text.Texts.clip(line.requestId()) + "' cannot be used with "
                                + versions.size()
                                + " model versions (ids must be unique; drop it to derive one per version)"));
                continue;
            }
            for (String v : versions) {
                EvalRequest r = template.request(v, line, createdAt);
                Optional<String> problem = check.problem(r);
                if (problem.isPresent()) {
                    errors.add(new LineError(source, line.line(), problem.get()));
                    break;
                }
                if (out.putIfAbsent(r.getRequestId(), r) != null) {
                    dups++;
                }
            }
        }
        errors.sort(java.util.Comparator.comparingInt(LineError::line));
        return new Submission(new ArrayList<>(out.values()), errors, dups);
    }

    /** The number of input lines with an error. */
    public int invalidLines() {
        return (int) errors.stream().mapToInt(LineError::line).distinct().count();
    }
}
