package dev.probeval.app;

import dev.probeval.core.scoring.Scorers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The metric names the request contract accepts, as picocli completion candidates: the help lists exactly what
 * {@code Scorers} knows, so the CLI and the contract cannot disagree.
 */
final class MetricNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        List<String> names = new ArrayList<>(Scorers.metricNames());
        names.add("exact_match");
        return names.iterator();
    }
}
