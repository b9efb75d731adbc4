package dev.probeval.aggregator;

import dev.probeval.avro.BoundsStatus;
import dev.probeval.avro.ModelVersionBounds;
import dev.probeval.avro.PromptBounds;
import dev.probeval.contract.RollupKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Rolls prompt bounds up per group of requests sharing model version, suite, split, bound mode, α, declared suite size
 * and decoding configuration (key {@link RollupKey}, {@code modelVersion|suite|split|mode|alpha|Q|decodingHash}; after
 * the {@code model-rollup} repartition), so requests that differ in α, mode or decoding never merge into one suite
 * bound; each request's latest {@link RollupEntry} is kept in
 * {@value AggregatorTopology#MODEL_REQUESTS_STORE} under {@code groupKey + '\0' + requestId}, and a group's roll-up is
 * recomputed from all its entries (in key order, so the result depends only on the entries, not on arrival order —
 * which is what makes a restarted run end with exactly the same roll-up).
 *
 * <p>With a declared suite size Q ({@code EvalRequest.suiteSize}) the per-prompt share is α/Q, fixed before any
 * prompt arrives, and {@code complete} says whether all Q prompts are in and final; without one, Q is the number of
 * prompts seen so far. The suite bound: with Q prompts, every prompt's M_μ is recomputed from its accumulator at α_i/Q; by the union
 * bound (Bonferroni, paper-spec 8.2) all Q per-prompt bounds hold at once with probability at least 1 − Σα_i/Q (= 1 − α
 * when the prompts share α), and on that event their mean bounds the mean expected score. The guarantee of a
 * fixed-n prompt holds at its target n, so the suite bound is a guarantee once every prompt counted is FINAL (or in
 * ANYTIME mode); before that it is an estimate.
 */
final class RollupProcessor implements Processor<String, RollupEntry, String, Object> {
    static final char SEP = '\0';

    private final AggregatorConfig config;
    private final AggregatorMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, RollupEntry> entries;
    private KeyValueStore<String, ModelVersionBounds> rollups;
    private final Set<String> dirty = new LinkedHashSet<>();

    RollupProcessor(AggregatorConfig config, AggregatorMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        entries = context.getStateStore(AggregatorTopology.MODEL_REQUESTS_STORE);
        rollups = context.getStateStore(AggregatorTopology.MODEL_BOUNDS_STORE);
        if (config.modelEmitIntervalMs() > 0) {
            // Updates accepted before a restart may not have been emitted yet: recompute every group once.
            try (KeyValueIterator<String, RollupEntry> it = entries.all()) {
                while (it.hasNext()) {
                    String k = it.next().key;
                    int sep = k.lastIndexOf(SEP);
                    if (sep > 0) {
                        dirty.add(k.substring(0, sep));
                    }
                }
            }
            context.schedule(
                    Duration.ofMillis(config.modelEmitIntervalMs()), PunctuationType.WALL_CLOCK_TIME, now -> flush());
        }
    }

    @Override
    public void process(Record<String, RollupEntry> record) {
        String group = record.key();
        entries.put(entryKey(group, record.value().bounds().getRequestId()), record.value());
        if (config.modelEmitIntervalMs() == 0) {
            recompute(group);
        } else {
            dirty.add(group);
        }
    }

    /**
     * Recomputes every group with updates. A group leaves the set before it is recomputed, so a group whose recompute
     * throws (handed to the processing exception handler) is not retried on every punctuation ahead of the others.
     */
    private void flush() {
        List<String> groups = new ArrayList<>(dirty);
        for (String group : groups) {
            dirty.remove(group);
            recompute(group);
        }
    }

    /**
     * The declared suite size Q in a {@link RollupKey} group key (second field from the end), null when "-" or when the
     * key does not have that shape (state written before the contract refused the separator inside its fields).
     */
    static Integer suiteSizeOf(String group) {
        int last = group.lastIndexOf(RollupKey.SEPARATOR);
        int before = last <= 0 ? -1 : group.lastIndexOf(RollupKey.SEPARATOR, last - 1);
        if (before < 0) {
            return null;
        }
        String q = group.substring(before + 1, last);
        if (q.equals("-") || q.isEmpty() || q.length() > 10 || !q.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v = Long.parseLong(q);
        return v >= 1 && v <= Integer.MAX_VALUE ? (int) v : null;
    }

    static String entryKey(String group, String requestId) {
        return group + SEP + requestId;
    }

    private void recompute(String group) {
        List<PromptBounds> seen = new ArrayList<>();
        List<RollupEntry> seenEntries = new ArrayList<>();
        int greedyCount = 0;
        double greedySum = 0;
        try (KeyValueIterator<String, RollupEntry> it = entries.prefixScan(group + SEP, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, RollupEntry> kv = it.next();
                PromptBounds pb = kv.value.bounds();
                if (pb.getGreedyScore() != null) {
                    greedyCount++;
                    greedySum += pb.getGreedyScore();
                }
                if (pb.getN() > 0) {
                    seen.add(pb);
                    seenEntries.add(kv.value);
                }
            }
        }
        int q = seen.size();
        if (q == 0) {
            return;
        }
        Integer declared = suiteSizeOf(group);
        // Bonferroni share: α/Q with Q declared up front, else α/(prompts seen); more prompts than declared breaks the
        // declared share, so the larger count is used (and the roll-up is not complete).
        int share = declared == null ? q : Math.max(declared, q);
        int finals = 0;
        int anytime = 0;
        int hidden = 0;
        double sumMu = 0;
        double sumMean = 0;
        double maxBin = Double.NEGATIVE_INFINITY;
        double sumSuite = 0;
        for (int i = 0; i < q; i++) {
            PromptBounds pb = seen.get(i);
            if (pb.getStatus() == BoundsStatus.FINAL || pb.getStoppingStatus() != null) {
                // a stopped stream is complete at its decided n: final, like a fixed-n prompt at its target
                finals++;
            } else if (pb.getStatus() == BoundsStatus.ANYTIME) {
                anytime++;
            }
            if (pb.getHiddenLeak()) {
                hidden++;
            }
            sumMu += pb.getMMu();
            sumMean += pb.getMean();
            maxBin = Double.isNaN(pb.getMBin()) ? Double.NaN : Math.max(maxBin, pb.getMBin());
            sumSuite += share == 1
                    ? pb.getMMu()
                    : seenEntries.get(i).accumulatorObject().mMu(pb.getAlpha() / share, pb.getMode(), pb.getTargetN());
        }
        PromptBounds first = seen.get(0);
        ModelVersionBounds mvb = ModelVersionBounds.newBuilder()
                .setModelVersion(first.getModelVersion())
                .setSuite(first.getSuite())
                .setSplit(first.getSplit())
                .setAlpha(first.getAlpha())
                .setMode(first.getMode())
                .setSuiteSize(declared)
                .setDecodingHash(group.substring(group.lastIndexOf('|') + 1))
                .setComplete(declared != null && q == declared && finals + anytime == q)
                .setPromptsSeen(q)
                .setPromptsFinal(finals)
                .setMeanMMu(sumMu / q)
                .setSuiteBound(sumSuite / q)
                .setMaxMBin(maxBin)
                .setHiddenLeakCount(hidden)
                .setMeanGreedyScore(greedyCount == 0 ? null : greedySum / greedyCount)
                .setMeanSampledScore(sumMean / q)
                .setUpdatedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .build();
        rollups.put(group, mvb);
        context.forward(new Record<>(group, (Object) mvb, context.currentSystemTimeMs()));
        metrics.modelBoundsEmitted();
        metrics.modelRollup(
                mvb.getModelVersion(),
                mvb.getSuite(),
                mvb.getSplit(),
                q,
                finals,
                hidden,
                mvb.getMeanMMu(),
                mvb.getSuiteBound(),
                mvb.getMeanSampledScore(),
                maxBin);
    }
}
